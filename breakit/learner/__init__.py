"""The learner's loop: predict, see why it was caught, fix it in the tree, write the test, watch."""

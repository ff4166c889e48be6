"""python -m breakit: the same as the `breakit` command."""

from breakit.cli import main

if __name__ == "__main__":
    main()

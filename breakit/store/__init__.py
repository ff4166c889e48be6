"""Results kept in `.breakit/`: the one gateway, its files and codecs, what each cached thing
depends on."""

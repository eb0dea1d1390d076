# lib/: built by the top-level Makefile (every lib/*.c goes into libquietcore.a).

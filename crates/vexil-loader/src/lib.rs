//! ELF loading for vexil: images, segments, symbols, architecture detection.

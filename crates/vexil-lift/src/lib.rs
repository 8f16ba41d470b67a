//! vexil's lifters: machine code of each architecture to vexil IR.

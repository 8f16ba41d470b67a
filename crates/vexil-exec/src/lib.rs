//! vexil's execution: IR interpreter, guest memory, block cache, Linux syscall gate.

/* The smallest whole program: write one line to stdout and exit 0, with
 * raw system calls only (static, no libc). */
#include "freestanding.h"

void cmain(long *sp)
{
    static const char msg[] = "hello from a freestanding vexil sample\n";
    (void)sp;
    sys_write(1, msg, sizeof msg - 1);
    sys_exit(0);
}

/* A tiny stack-machine interpreter: a dense switch that GCC compiles to a
 * jump table, plus a character classifier with a sparse switch. Output is
 * identical on every architecture. */
#include <stdint.h>
#include <stdio.h>

enum { PUSH, ADD, SUB, MUL, DIV, MOD, DUP, SWAP, JNZ, DEC, PRINT, HALT, XOR, SHL, LOAD, STORE };

__attribute__((noinline)) static int32_t run(const int32_t *code, int trace)
{
    int32_t stack[32], reg[4] = { 0, 0, 0, 0 };
    int sp = 0, pc = 0, steps = 0;
    for (;;) {
        if (++steps > 10000 || sp < 0 || sp > 30)
            return -1;
        switch (code[pc++]) {
        case PUSH: stack[sp++] = code[pc++]; break;
        case ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case DIV: sp--; stack[sp - 1] = stack[sp] ? stack[sp - 1] / stack[sp] : 0; break;
        case MOD: sp--; stack[sp - 1] = stack[sp] ? stack[sp - 1] % stack[sp] : 0; break;
        case DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case SWAP: { int32_t t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; break; }
        case JNZ: { int32_t target = code[pc++]; if (stack[--sp]) pc = target; break; }
        case DEC: stack[sp - 1]--; break;
        case PRINT: if (trace) printf("  out %d\n", (int)stack[sp - 1]); break;
        case XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
        case SHL: sp--; stack[sp - 1] = (int32_t)((uint32_t)stack[sp - 1] << (stack[sp] & 31)); break;
        case LOAD: stack[sp++] = reg[code[pc++] & 3]; break;
        case STORE: reg[code[pc++] & 3] = stack[--sp]; break;
        case HALT: return sp > 0 ? stack[sp - 1] : 0;
        default: return -2;
        }
    }
}

__attribute__((noinline)) static const char *classify(int c)
{
    switch (c) {
    case ' ': case '\t': case '\n': return "space";
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9': return "digit";
    case '+': case '-': case '*': case '/': case '%': return "operator";
    case '(': case ')': return "paren";
    case 0x7f: return "delete";
    default: return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ? "letter" : "other";
    }
}

int main(void)
{
    /* 10! with a loop: r0 = acc, r1 = n */
    static const int32_t fact[] = {
        PUSH, 1, STORE, 0, PUSH, 10, STORE, 1,
        LOAD, 0, LOAD, 1, MUL, STORE, 0,   /* 8: acc *= n */
        LOAD, 1, DEC, DUP, STORE, 1,       /* n -= 1, keep n on the stack */
        JNZ, 8,
        LOAD, 0, PRINT, HALT,
    };
    static const int32_t prog[] = {
        PUSH, 1000003, PUSH, 97, MOD,       /* 1000003 % 97 */
        PUSH, -7, MUL, PUSH, 3, DIV,        /* * -7 / 3 */
        PUSH, 0x55, XOR, PUSH, 4, SHL,
        PUSH, 5,                            /* counter */
        DEC, DUP, PRINT, JNZ, 19,           /* count down to 0 */
        ADD, PRINT, HALT,
    };
    static const int32_t bad[] = { PUSH, 1, 99 };
    printf("fact: %d\n", (int)run(fact, 1));
    printf("prog: %d\n", (int)run(prog, 1));
    printf("bad: %d\n", (int)run(bad, 0));
    const char *text = "x = (12 + y7) * 3;\t\x7f";
    for (const char *p = text; *p; p++)
        printf("%02x %s\n", (unsigned)(unsigned char)*p, classify((unsigned char)*p));
    return 0;
}

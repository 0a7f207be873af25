/* bytecode: a switch-dispatched stack machine running small programs
 * (a loop-heavy arithmetic kernel, a recursive function via its own call
 * stack, and array work). An interpreter inside the interpreter: indirect
 * branches through a jump table dominate. */
#include "shim.h"

enum {
    OP_HALT,
    OP_PUSH,  /* imm */
    OP_LOAD,  /* local index */
    OP_STORE, /* local index */
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_MOD,
    OP_AND,
    OP_XOR,
    OP_SHL,
    OP_SHR,
    OP_LT,
    OP_EQ,
    OP_JMP,  /* target */
    OP_JZ,   /* target */
    OP_JNZ,  /* target */
    OP_DUP,
    OP_DROP,
    OP_CALL, /* target, nargs */
    OP_RET,
    OP_ALOAD,  /* heap[pop] */
    OP_ASTORE, /* heap[addr] = val: pops val, addr */
    OP_INC,    /* local index: local += 1 */
};

#define STACK 1024
#define FRAMES 256
#define LOCALS 8
#define HEAP 4096

typedef struct {
    i32 ret_pc;
    i32 sp_base;
    i64 locals[LOCALS];
} frame;

static i64 heap[HEAP];

static i64 execute(const i32 *code, i32 entry, i64 arg) {
    i64 stack[STACK];
    frame frames[FRAMES];
    i32 sp = 0, fp = 0, pc = entry;
    frames[0].ret_pc = -1;
    frames[0].sp_base = 0;
    frames[0].locals[0] = arg;
    for (;;) {
        i32 op = code[pc++];
        switch (op) {
        case OP_HALT:
            return sp > 0 ? stack[sp - 1] : 0;
        case OP_PUSH:
            stack[sp++] = code[pc++];
            break;
        case OP_LOAD:
            stack[sp++] = frames[fp].locals[code[pc++]];
            break;
        case OP_STORE:
            frames[fp].locals[code[pc++]] = stack[--sp];
            break;
        case OP_ADD:
            sp--;
            stack[sp - 1] = (i64)((u64)stack[sp - 1] + (u64)stack[sp]);
            break;
        case OP_SUB:
            sp--;
            stack[sp - 1] = (i64)((u64)stack[sp - 1] - (u64)stack[sp]);
            break;
        case OP_MUL:
            sp--;
            stack[sp - 1] = (i64)((u64)stack[sp - 1] * (u64)stack[sp]);
            break;
        case OP_DIV:
            sp--;
            stack[sp - 1] = stack[sp] > 0 ? stack[sp - 1] / stack[sp] : 0;
            break;
        case OP_MOD:
            sp--;
            stack[sp - 1] = stack[sp] > 0 ? stack[sp - 1] % stack[sp] : 0;
            break;
        case OP_AND:
            sp--;
            stack[sp - 1] &= stack[sp];
            break;
        case OP_XOR:
            sp--;
            stack[sp - 1] ^= stack[sp];
            break;
        case OP_SHL:
            sp--;
            stack[sp - 1] = (i64)((u64)stack[sp - 1] << (stack[sp] & 63));
            break;
        case OP_SHR:
            sp--;
            stack[sp - 1] = (i64)((u64)stack[sp - 1] >> (stack[sp] & 63));
            break;
        case OP_LT:
            sp--;
            stack[sp - 1] = stack[sp - 1] < stack[sp];
            break;
        case OP_EQ:
            sp--;
            stack[sp - 1] = stack[sp - 1] == stack[sp];
            break;
        case OP_JMP:
            pc = code[pc];
            break;
        case OP_JZ:
            pc = stack[--sp] == 0 ? code[pc] : pc + 1;
            break;
        case OP_JNZ:
            pc = stack[--sp] != 0 ? code[pc] : pc + 1;
            break;
        case OP_DUP:
            stack[sp] = stack[sp - 1];
            sp++;
            break;
        case OP_DROP:
            sp--;
            break;
        case OP_CALL: {
            i32 target = code[pc], nargs = code[pc + 1];
            if (fp + 1 >= FRAMES) return -1;
            frame *f = &frames[++fp];
            f->ret_pc = pc + 2;
            for (i32 k = nargs - 1; k >= 0; k--) f->locals[k] = stack[--sp];
            f->sp_base = sp;
            pc = target;
            break;
        }
        case OP_RET: {
            i64 v = stack[--sp];
            sp = frames[fp].sp_base;
            pc = frames[fp].ret_pc;
            fp--;
            stack[sp++] = v;
            break;
        }
        case OP_ALOAD:
            stack[sp - 1] = heap[stack[sp - 1] & (HEAP - 1)];
            break;
        case OP_ASTORE: {
            i64 v = stack[--sp];
            i64 a = stack[--sp];
            heap[a & (HEAP - 1)] = v;
            break;
        }
        case OP_INC:
            frames[fp].locals[code[pc++]]++;
            break;
        default:
            return -2;
        }
    }
}

/* A tiny assembler with labels resolved in a second pass. */
static i32 prog[1024];
static i32 plen;
static i32 labels[64];
static i32 fixups[128][2];
static i32 nfix;

static void emit(i32 v) { prog[plen++] = v; }
static void emit_op1(i32 op, i32 a) {
    emit(op);
    emit(a);
}
static void emit_jump(i32 op, i32 label) {
    emit(op);
    fixups[nfix][0] = plen;
    fixups[nfix][1] = label;
    nfix++;
    emit(0);
}
static void label(i32 l) { labels[l] = plen; }
static void link_program(void) {
    for (i32 i = 0; i < nfix; i++) prog[fixups[i][0]] = labels[fixups[i][1]];
}

/* Program 1 (entry 0): loop i in 0..n: acc = (acc * 31 + (i ^ (i >> 3))) % 1000003
 * Program 2 (entry L_FIB): recursive fib via OP_CALL.
 * Program 3 (entry L_ARR): fill heap with a recurrence, then sum strided. */
enum { L_LOOP, L_END, L_FIB, L_FIB_REC, L_ARR, L_FILL, L_FILL_END, L_SUM, L_SUM_END, L_ARR_FIB };
static i32 entry_loop, entry_fib, entry_arr;

static void assemble(void) {
    plen = 0;
    nfix = 0;
    /* locals: 0 = n, 1 = i, 2 = acc */
    entry_loop = plen;
    emit_op1(OP_PUSH, 0);
    emit_op1(OP_STORE, 1);
    emit_op1(OP_PUSH, 1);
    emit_op1(OP_STORE, 2);
    label(L_LOOP);
    emit_op1(OP_LOAD, 1);
    emit_op1(OP_LOAD, 0);
    emit(OP_LT);
    emit_jump(OP_JZ, L_END);
    emit_op1(OP_LOAD, 2);
    emit_op1(OP_PUSH, 31);
    emit(OP_MUL);
    emit_op1(OP_LOAD, 1);
    emit_op1(OP_LOAD, 1);
    emit_op1(OP_PUSH, 3);
    emit(OP_SHR);
    emit(OP_XOR);
    emit(OP_ADD);
    emit_op1(OP_PUSH, 1000003);
    emit(OP_MOD);
    emit_op1(OP_STORE, 2);
    emit_op1(OP_INC, 1);
    emit_jump(OP_JMP, L_LOOP);
    label(L_END);
    emit_op1(OP_LOAD, 2);
    emit(OP_HALT);

    /* fib(n): if n < 2 return n; return fib(n-1) + fib(n-2) */
    entry_fib = plen;
    emit_op1(OP_LOAD, 0);
    emit_jump(OP_CALL, L_FIB);
    emit(1);
    emit(OP_HALT);
    label(L_FIB);
    emit_op1(OP_LOAD, 0);
    emit_op1(OP_PUSH, 2);
    emit(OP_LT);
    emit_jump(OP_JZ, L_FIB_REC);
    emit_op1(OP_LOAD, 0);
    emit(OP_RET);
    label(L_FIB_REC);
    emit_op1(OP_LOAD, 0);
    emit_op1(OP_PUSH, 1);
    emit(OP_SUB);
    emit_jump(OP_CALL, L_FIB);
    emit(1);
    emit_op1(OP_LOAD, 0);
    emit_op1(OP_PUSH, 2);
    emit(OP_SUB);
    emit_jump(OP_CALL, L_FIB);
    emit(1);
    emit(OP_ADD);
    emit(OP_RET);

    /* arr(n): heap[i] = heap[i-1]*5 + i (i < 4096), repeated n/4096 times,
     * then sum heap[(i*7) & 4095] */
    entry_arr = plen;
    emit_op1(OP_PUSH, 0);
    emit_op1(OP_STORE, 1);
    label(L_FILL);
    emit_op1(OP_LOAD, 1);
    emit_op1(OP_LOAD, 0);
    emit(OP_LT);
    emit_jump(OP_JZ, L_FILL_END);
    emit_op1(OP_LOAD, 1);
    emit_op1(OP_LOAD, 1);
    emit_op1(OP_PUSH, 1);
    emit(OP_SUB);
    emit(OP_ALOAD);
    emit_op1(OP_PUSH, 5);
    emit(OP_MUL);
    emit_op1(OP_LOAD, 1);
    emit(OP_ADD);
    emit(OP_ASTORE);
    emit_op1(OP_INC, 1);
    emit_jump(OP_JMP, L_FILL);
    label(L_FILL_END);
    emit_op1(OP_PUSH, 0);
    emit_op1(OP_STORE, 1);
    emit_op1(OP_PUSH, 0);
    emit_op1(OP_STORE, 2);
    label(L_SUM);
    emit_op1(OP_LOAD, 1);
    emit_op1(OP_LOAD, 0);
    emit(OP_LT);
    emit_jump(OP_JZ, L_SUM_END);
    emit_op1(OP_LOAD, 2);
    emit_op1(OP_LOAD, 1);
    emit_op1(OP_PUSH, 7);
    emit(OP_MUL);
    emit(OP_ALOAD);
    emit(OP_XOR);
    emit_op1(OP_PUSH, 1);
    emit(OP_SHL);
    emit_op1(OP_LOAD, 1);
    emit(OP_ADD);
    emit_op1(OP_STORE, 2);
    emit_op1(OP_INC, 1);
    emit_jump(OP_JMP, L_SUM);
    label(L_SUM_END);
    emit_op1(OP_LOAD, 2);
    emit(OP_HALT);
    link_program();
}

static i64 bench(u32 loop_n, u32 fib_n, u32 arr_n) {
    assemble();
    for (u32 i = 0; i < HEAP; i++) heap[i] = 0;
    u64 h = 0;
    h = bench_mix(h, (u64)execute(prog, entry_loop, loop_n));
    h = bench_mix(h, (u64)execute(prog, entry_fib, fib_n));
    h = bench_mix(h, (u64)execute(prog, entry_arr, arr_n));
    return (i64)h;
}

BENCH_EXPORT i64 run(void) { return bench(154000, 20, 96000); }
BENCH_EXPORT i64 run_small(void) { return bench(20000, 12, 20000); }

//! Generates a large, valid module for the translation-speed benchmark:
//! thousands of functions of mixed integer/float arithmetic, loads and
//! stores, nested blocks, loops, `if`s, `br_table`s and calls. The code is
//! valid by construction (every expression is generated for a known type)
//! and never executed, so loops need only be well-typed.

use wasm_encoder::{
    BlockType, CodeSection, ExportKind, ExportSection, Function, FunctionSection, Instruction as I, MemArg,
    MemArgTarget, MemorySection, MemoryType, Module, TypeSection, ValType,
};

/// Deterministic xorshift64 so the module is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: u32) -> u32 {
        (self.next() % n as u64) as u32
    }
}

/// The function signatures in use: (params, result).
const SIGS: [(&[ValType], ValType); 4] = [
    (&[ValType::I32, ValType::I32], ValType::I32),
    (&[ValType::I64, ValType::I32], ValType::I64),
    (&[ValType::F64, ValType::F64], ValType::F64),
    (&[ValType::I32, ValType::I64, ValType::F64], ValType::I32),
];

/// Locals declared after the params of every function.
const EXTRA_LOCALS: [(u32, ValType); 3] = [(5, ValType::I32), (3, ValType::I64), (3, ValType::F64)];

struct FuncGen<'a> {
    rng: &'a mut Rng,
    out: Vec<I<'static>>,
    /// Types of params then locals, by index.
    locals: Vec<ValType>,
    /// Signature index of every function, for calls.
    func_sigs: &'a [usize],
    /// Open loops use dedicated i32 counter locals, one per nesting level.
    loop_counters: Vec<u32>,
    free_counters: Vec<u32>,
    budget: i32,
}

fn mem(align: u32, offset: u64) -> MemArg {
    MemArg { offset, align, target: MemArgTarget::Memory(0), ordering: None }
}

impl FuncGen<'_> {
    fn local_of(&mut self, ty: ValType) -> Option<u32> {
        let candidates: Vec<u32> = (0..self.locals.len() as u32)
            .filter(|&i| self.locals[i as usize] == ty && !self.loop_counters.contains(&i))
            .filter(|i| !self.free_counters.contains(i))
            .collect();
        if candidates.is_empty() {
            None
        } else {
            Some(candidates[self.rng.below(candidates.len() as u32) as usize])
        }
    }

    /// An address in the first 64 KiB, aligned for 8-byte access.
    fn address(&mut self, depth: u32) {
        self.expr(ValType::I32, depth);
        self.out.push(I::I32Const(0xfff8));
        self.out.push(I::I32And);
    }

    /// Emits code leaving one value of type `ty` on the stack.
    fn expr(&mut self, ty: ValType, depth: u32) {
        self.budget -= 1;
        let leaf = depth == 0 || self.budget <= 0;
        let choice = if leaf { self.rng.below(2) } else { self.rng.below(12) };
        match choice {
            0 => match self.local_of(ty) {
                Some(l) => self.out.push(I::LocalGet(l)),
                None => self.constant(ty),
            },
            1 => self.constant(ty),
            2..=5 => {
                // binary arithmetic
                self.expr(ty, depth - 1);
                self.expr(ty, depth - 1);
                let op = self.rng.below(8);
                self.out.push(match ty {
                    ValType::I32 => [
                        I::I32Add,
                        I::I32Sub,
                        I::I32Mul,
                        I::I32And,
                        I::I32Or,
                        I::I32Xor,
                        I::I32Shl,
                        I::I32ShrU,
                    ][op as usize]
                        .clone(),
                    ValType::I64 => [
                        I::I64Add,
                        I::I64Sub,
                        I::I64Mul,
                        I::I64And,
                        I::I64Or,
                        I::I64Xor,
                        I::I64Rotl,
                        I::I64ShrS,
                    ][op as usize]
                        .clone(),
                    _ => [
                        I::F64Add,
                        I::F64Sub,
                        I::F64Mul,
                        I::F64Div,
                        I::F64Min,
                        I::F64Max,
                        I::F64Add,
                        I::F64Mul,
                    ][op as usize]
                        .clone(),
                });
            }
            6 => {
                // unary / conversion into `ty`
                match ty {
                    ValType::I32 => match self.rng.below(4) {
                        0 => {
                            self.expr(ValType::I64, depth - 1);
                            self.out.push(I::I32WrapI64);
                        }
                        1 => {
                            self.expr(ValType::I32, depth - 1);
                            self.out.push(I::I32Clz);
                        }
                        2 => {
                            self.expr(ValType::I32, depth - 1);
                            self.out.push(I::I32Eqz);
                        }
                        _ => {
                            self.expr(ValType::I32, depth - 1);
                            self.out.push(I::I32Extend8S);
                        }
                    },
                    ValType::I64 => {
                        if self.rng.below(2) == 0 {
                            self.expr(ValType::I32, depth - 1);
                            self.out.push(I::I64ExtendI32U);
                        } else {
                            self.expr(ValType::I64, depth - 1);
                            self.out.push(I::I64Popcnt);
                        }
                    }
                    _ => {
                        if self.rng.below(2) == 0 {
                            self.expr(ValType::I32, depth - 1);
                            self.out.push(I::F64ConvertI32S);
                        } else {
                            self.expr(ValType::F64, depth - 1);
                            self.out.push(I::F64Sqrt);
                        }
                    }
                }
            }
            7 => {
                // comparison (always i32); other types wrap/convert back
                let src = [ValType::I32, ValType::I64, ValType::F64][self.rng.below(3) as usize];
                self.expr(src, depth - 1);
                self.expr(src, depth - 1);
                self.out.push(match src {
                    ValType::I32 => I::I32LtS,
                    ValType::I64 => I::I64GeU,
                    _ => I::F64Lt,
                });
                self.widen_i32(ty);
            }
            8 => {
                // load
                self.address(depth - 1);
                let off = (self.rng.below(16) * 8) as u64;
                self.out.push(match ty {
                    ValType::I32 => match self.rng.below(3) {
                        0 => I::I32Load(mem(2, off)),
                        1 => I::I32Load8U(mem(0, off)),
                        _ => I::I32Load16S(mem(1, off)),
                    },
                    ValType::I64 => I::I64Load(mem(3, off)),
                    _ => I::F64Load(mem(3, off)),
                });
            }
            9 => {
                // select
                self.expr(ty, depth - 1);
                self.expr(ty, depth - 1);
                self.expr(ValType::I32, depth - 1);
                self.out.push(I::Select);
            }
            10 => {
                // if with a result
                self.expr(ValType::I32, depth - 1);
                self.out.push(I::If(BlockType::Result(ty)));
                self.stmts(depth - 1, 1);
                self.expr(ty, depth - 1);
                self.out.push(I::Else);
                self.expr(ty, depth - 1);
                self.out.push(I::End);
            }
            _ => {
                // call a function whose result converts to `ty`
                let f = self.rng.below(self.func_sigs.len() as u32);
                let (params, result) = SIGS[self.func_sigs[f as usize]];
                for &p in params {
                    self.expr(p, depth.saturating_sub(2));
                }
                self.out.push(I::Call(f));
                self.convert(result, ty);
            }
        }
    }

    fn constant(&mut self, ty: ValType) {
        let v = self.rng.next();
        self.out.push(match ty {
            ValType::I32 => I::I32Const((v as i32) >> self.rng.below(31)),
            ValType::I64 => I::I64Const((v as i64) >> self.rng.below(63)),
            _ => I::F64Const(((v >> 11) as f64 / 1024.0).into()),
        });
    }

    /// Turns an i32 on the stack into `ty`.
    fn widen_i32(&mut self, ty: ValType) {
        match ty {
            ValType::I32 => {}
            ValType::I64 => self.out.push(I::I64ExtendI32S),
            _ => self.out.push(I::F64ConvertI32U),
        }
    }

    fn convert(&mut self, from: ValType, to: ValType) {
        match (from, to) {
            (a, b) if a == b => {}
            (ValType::I64, ValType::I32) => self.out.push(I::I32WrapI64),
            (ValType::F64, ValType::I32) => self.out.push(I::I32TruncSatF64S),
            (ValType::I32, _) => self.widen_i32(to),
            (ValType::F64, ValType::I64) => self.out.push(I::I64TruncSatF64U),
            (ValType::I64, ValType::F64) => self.out.push(I::F64ConvertI64S),
            _ => unreachable!(),
        }
    }

    fn stmts(&mut self, depth: u32, max: u32) {
        let n = 1 + self.rng.below(max);
        for _ in 0..n {
            self.stmt(depth);
        }
    }

    fn stmt(&mut self, depth: u32) {
        self.budget -= 1;
        let choice = if depth == 0 || self.budget <= 0 { self.rng.below(2) } else { self.rng.below(8) };
        match choice {
            0 => {
                let ty = [ValType::I32, ValType::I64, ValType::F64][self.rng.below(3) as usize];
                match self.local_of(ty) {
                    Some(l) => {
                        self.expr(ty, depth.min(3));
                        self.out.push(if self.rng.below(4) == 0 { I::LocalTee(l) } else { I::LocalSet(l) });
                        if matches!(self.out.last(), Some(I::LocalTee(_))) {
                            self.out.push(I::Drop);
                        }
                    }
                    None => {
                        self.expr(ty, depth.min(3));
                        self.out.push(I::Drop);
                    }
                }
            }
            1 => {
                let ty = [ValType::I32, ValType::I64, ValType::F64][self.rng.below(3) as usize];
                self.address(depth.min(2));
                self.expr(ty, depth.min(3));
                let off = (self.rng.below(16) * 8) as u64;
                self.out.push(match ty {
                    ValType::I32 => {
                        if self.rng.below(2) == 0 {
                            I::I32Store(mem(2, off))
                        } else {
                            I::I32Store8(mem(0, off))
                        }
                    }
                    ValType::I64 => I::I64Store(mem(3, off)),
                    _ => I::F64Store(mem(3, off)),
                });
            }
            2 => {
                self.expr(ValType::I32, depth - 1);
                self.out.push(I::If(BlockType::Empty));
                self.stmts(depth - 1, 3);
                if self.rng.below(2) == 0 {
                    self.out.push(I::Else);
                    self.stmts(depth - 1, 3);
                }
                self.out.push(I::End);
            }
            3 => {
                self.out.push(I::Block(BlockType::Empty));
                self.stmts(depth - 1, 2);
                self.expr(ValType::I32, depth - 1);
                self.out.push(I::BrIf(0));
                self.stmts(depth - 1, 2);
                self.out.push(I::End);
            }
            4 | 5 => {
                // counted loop: counter = k; loop { body; counter -= 1; br_if counter }
                let Some(c) = self.free_counters.pop() else {
                    return self.stmt(0);
                };
                self.loop_counters.push(c);
                self.out.push(I::I32Const(1 + self.rng.below(100) as i32));
                self.out.push(I::LocalSet(c));
                self.out.push(I::Loop(BlockType::Empty));
                self.stmts(depth - 1, 4);
                self.out.push(I::LocalGet(c));
                self.out.push(I::I32Const(1));
                self.out.push(I::I32Sub);
                self.out.push(I::LocalTee(c));
                self.out.push(I::BrIf(0));
                self.out.push(I::End);
                self.loop_counters.pop();
                self.free_counters.push(c);
            }
            6 => {
                // switch: block block block (br_table 0 1 2) end s end s end s
                let cases = 2 + self.rng.below(3);
                for _ in 0..=cases {
                    self.out.push(I::Block(BlockType::Empty));
                }
                self.expr(ValType::I32, depth - 1);
                let targets: Vec<u32> = (0..cases).collect();
                self.out.push(I::BrTable(targets.into(), cases));
                for _ in 0..=cases {
                    self.out.push(I::End);
                    self.stmts(depth - 1, 2);
                }
            }
            _ => {
                let f = self.rng.below(self.func_sigs.len() as u32);
                let (params, _) = SIGS[self.func_sigs[f as usize]];
                for &p in params {
                    self.expr(p, depth.min(2));
                }
                self.out.push(I::Call(f));
                self.out.push(I::Drop);
            }
        }
    }
}

/// A module with at least `min_code_bytes` of function bodies. Returns the
/// module, the size of its code section and the number of functions.
pub fn large_module(min_code_bytes: usize) -> (Vec<u8>, usize, usize) {
    // Calls may target any function, so the count is fixed before
    // generating; grow it until the code is large enough.
    let mut nfuncs = min_code_bytes / 700 + 16;
    loop {
        let (module, code_bytes) = module_with(nfuncs);
        if code_bytes >= min_code_bytes {
            return (module, code_bytes, nfuncs);
        }
        nfuncs = nfuncs * min_code_bytes / code_bytes + 16;
    }
}

fn module_with(nfuncs: usize) -> (Vec<u8>, usize) {
    let mut rng = Rng(0x5EED_CAFE_F00D_1234);
    let func_sigs: Vec<usize> = (0..nfuncs).map(|_| rng.below(SIGS.len() as u32) as usize).collect();

    let mut types = TypeSection::new();
    for (params, result) in SIGS {
        types.ty().function(params.iter().copied(), [result]);
    }
    let mut funcs = FunctionSection::new();
    let mut code = CodeSection::new();
    let mut code_bytes = 0usize;
    for &sig in &func_sigs {
        let (params, result) = SIGS[sig];
        let mut locals: Vec<ValType> = params.to_vec();
        for (n, ty) in EXTRA_LOCALS {
            locals.extend(std::iter::repeat_n(ty, n as usize));
        }
        // The last two of the extra i32 locals are the loop counters.
        let first_i32 = params.len() as u32;
        let counters = vec![first_i32 + 3, first_i32 + 4];
        let mut g = FuncGen {
            rng: &mut rng,
            out: Vec::new(),
            locals,
            func_sigs: &func_sigs,
            loop_counters: Vec::new(),
            free_counters: counters,
            budget: 150,
        };
        g.stmts(5, 8);
        g.expr(result, 4);
        g.out.push(I::End);
        let mut f = Function::new(EXTRA_LOCALS);
        for ins in &g.out {
            f.instruction(ins);
        }
        code_bytes += f.byte_len();
        funcs.function(sig as u32);
        code.function(&f);
    }
    let mut mems = MemorySection::new();
    mems.memory(MemoryType {
        minimum: 1,
        maximum: None,
        memory64: false,
        shared: false,
        page_size_log2: None,
    });
    let mut exports = ExportSection::new();
    exports.export("f0", ExportKind::Func, 0);
    exports.export("memory", ExportKind::Memory, 0);

    let mut module = Module::new();
    module.section(&types);
    module.section(&funcs);
    module.section(&mems);
    module.section(&exports);
    module.section(&code);
    (module.finish(), code_bytes)
}

//! THE instruction table: every IR instruction once, with its operand shape
//! and its handler (a function in `exec/<family>.rs`, optionally applied to
//! an operation function of the same module). The opcode enum, encoder,
//! printer and both dispatch backends are generated from this list by
//! `for_each_instr!`. Adding an instruction is one line here plus, if it is
//! new behaviour, one handler body.
//!
//! i32 values live in the low 32 bits of a slot; the high bits are
//! unspecified, so every reader truncates (and `i32.wrap_i64` is a copy).

macro_rules! for_each_instr {
    ($m:ident) => {
        $m! {
            // ---- variable: copies, constants, globals, select ----
            Copy(Un) = variable::copy;
            Copy128(Un) = variable::copy128;
            Const(Const) = variable::constant;
            GlobalGet(Global) = variable::global_get;
            GlobalSet(Global) = variable::global_set;
            GlobalGet128(Global) = variable::global_get128;
            GlobalSet128(Global) = variable::global_set128;
            Select(Select) = variable::select;
            Select128(Select) = variable::select128;

            // ---- control ----
            Unreachable(Nullary) = control::unreachable;
            Br(Jump) = control::br;
            BrIfNez(JumpIf) = control::br_if_nez;
            BrIfEqz(JumpIf) = control::br_if_eqz;
            BrTable(JumpTable) = control::br_table;
            Return(Nullary) = control::ret;
            Call(Call) = call::call;
            CallIndirect(CallIndirect) = call::call_indirect;

            // ---- memory ----
            Load8S(Load) = memory::load(load8s);
            Load8U(Load) = memory::load(load8u);
            Load16S(Load) = memory::load(load16s);
            Load16U(Load) = memory::load(load16u);
            Load32S(Load) = memory::load(load32s);
            Load32U(Load) = memory::load(load32u);
            Load64(Load) = memory::load(load64);
            Store8(Store) = memory::store(store8);
            Store16(Store) = memory::store(store16);
            Store32(Store) = memory::store(store32);
            Store64(Store) = memory::store(store64);
            MemorySize(Size) = memory::size;
            MemoryGrow(Grow) = memory::grow;
            MemoryFill(Bulk) = memory::fill;
            MemoryCopy(Bulk) = memory::copy;
            MemoryInit(Bulk) = memory::init;
            DataDrop(Drop) = memory::data_drop;

            // ---- table and references ----
            TableGet(TableGet) = table::get;
            TableSet(TableSet) = table::set;
            TableSize(Size) = table::size;
            TableGrow(Grow) = table::grow;
            TableFill(Bulk) = table::fill;
            TableCopy(Bulk) = table::copy;
            TableInit(Bulk) = table::init;
            ElemDrop(Drop) = table::elem_drop;
            RefFunc(RefFunc) = table::ref_func;
            RefIsNull(Un) = numeric::un(ref_is_null);

            // ---- numeric: i32 ----
            I32Eqz(Un) = numeric::un(i32_eqz);
            I32Clz(Un) = numeric::un(i32_clz);
            I32Ctz(Un) = numeric::un(i32_ctz);
            I32Popcnt(Un) = numeric::un(i32_popcnt);
            I32Extend8S(Un) = numeric::un(i32_extend8_s);
            I32Extend16S(Un) = numeric::un(i32_extend16_s);
            I32Eq(BinSS) = numeric::bin(i32_eq);
            I32EqImm(BinSI) = numeric::bin_imm(i32_eq);
            I32Ne(BinSS) = numeric::bin(i32_ne);
            I32NeImm(BinSI) = numeric::bin_imm(i32_ne);
            I32LtS(BinSS) = numeric::bin(i32_lt_s);
            I32LtSImm(BinSI) = numeric::bin_imm(i32_lt_s);
            I32LtU(BinSS) = numeric::bin(i32_lt_u);
            I32LtUImm(BinSI) = numeric::bin_imm(i32_lt_u);
            I32GtS(BinSS) = numeric::bin(i32_gt_s);
            I32GtSImm(BinSI) = numeric::bin_imm(i32_gt_s);
            I32GtU(BinSS) = numeric::bin(i32_gt_u);
            I32GtUImm(BinSI) = numeric::bin_imm(i32_gt_u);
            I32LeS(BinSS) = numeric::bin(i32_le_s);
            I32LeSImm(BinSI) = numeric::bin_imm(i32_le_s);
            I32LeU(BinSS) = numeric::bin(i32_le_u);
            I32LeUImm(BinSI) = numeric::bin_imm(i32_le_u);
            I32GeS(BinSS) = numeric::bin(i32_ge_s);
            I32GeSImm(BinSI) = numeric::bin_imm(i32_ge_s);
            I32GeU(BinSS) = numeric::bin(i32_ge_u);
            I32GeUImm(BinSI) = numeric::bin_imm(i32_ge_u);
            I32Add(BinSS) = numeric::bin(i32_add);
            I32AddImm(BinSI) = numeric::bin_imm(i32_add);
            I32Sub(BinSS) = numeric::bin(i32_sub);
            I32SubImm(BinSI) = numeric::bin_imm(i32_sub);
            I32Mul(BinSS) = numeric::bin(i32_mul);
            I32MulImm(BinSI) = numeric::bin_imm(i32_mul);
            I32DivS(BinSS) = numeric::bin(i32_div_s);
            I32DivSImm(BinSI) = numeric::bin_imm(i32_div_s);
            I32DivU(BinSS) = numeric::bin(i32_div_u);
            I32DivUImm(BinSI) = numeric::bin_imm(i32_div_u);
            I32RemS(BinSS) = numeric::bin(i32_rem_s);
            I32RemSImm(BinSI) = numeric::bin_imm(i32_rem_s);
            I32RemU(BinSS) = numeric::bin(i32_rem_u);
            I32RemUImm(BinSI) = numeric::bin_imm(i32_rem_u);
            I32And(BinSS) = numeric::bin(i32_and);
            I32AndImm(BinSI) = numeric::bin_imm(i32_and);
            I32Or(BinSS) = numeric::bin(i32_or);
            I32OrImm(BinSI) = numeric::bin_imm(i32_or);
            I32Xor(BinSS) = numeric::bin(i32_xor);
            I32XorImm(BinSI) = numeric::bin_imm(i32_xor);
            I32Shl(BinSS) = numeric::bin(i32_shl);
            I32ShlImm(BinSI) = numeric::bin_imm(i32_shl);
            I32ShrS(BinSS) = numeric::bin(i32_shr_s);
            I32ShrSImm(BinSI) = numeric::bin_imm(i32_shr_s);
            I32ShrU(BinSS) = numeric::bin(i32_shr_u);
            I32ShrUImm(BinSI) = numeric::bin_imm(i32_shr_u);
            I32Rotl(BinSS) = numeric::bin(i32_rotl);
            I32RotlImm(BinSI) = numeric::bin_imm(i32_rotl);
            I32Rotr(BinSS) = numeric::bin(i32_rotr);
            I32RotrImm(BinSI) = numeric::bin_imm(i32_rotr);

            // ---- numeric: i64 ----
            I64Eqz(Un) = numeric::un(i64_eqz);
            I64Clz(Un) = numeric::un(i64_clz);
            I64Ctz(Un) = numeric::un(i64_ctz);
            I64Popcnt(Un) = numeric::un(i64_popcnt);
            I64Extend8S(Un) = numeric::un(i64_extend8_s);
            I64Extend16S(Un) = numeric::un(i64_extend16_s);
            I64Extend32S(Un) = numeric::un(i64_extend32_s);
            I64ExtendI32U(Un) = numeric::un(i64_extend_i32_u);
            I64Eq(BinSS) = numeric::bin(i64_eq);
            I64EqImm(BinSI) = numeric::bin_imm(i64_eq);
            I64Ne(BinSS) = numeric::bin(i64_ne);
            I64NeImm(BinSI) = numeric::bin_imm(i64_ne);
            I64LtS(BinSS) = numeric::bin(i64_lt_s);
            I64LtSImm(BinSI) = numeric::bin_imm(i64_lt_s);
            I64LtU(BinSS) = numeric::bin(i64_lt_u);
            I64LtUImm(BinSI) = numeric::bin_imm(i64_lt_u);
            I64GtS(BinSS) = numeric::bin(i64_gt_s);
            I64GtSImm(BinSI) = numeric::bin_imm(i64_gt_s);
            I64GtU(BinSS) = numeric::bin(i64_gt_u);
            I64GtUImm(BinSI) = numeric::bin_imm(i64_gt_u);
            I64LeS(BinSS) = numeric::bin(i64_le_s);
            I64LeSImm(BinSI) = numeric::bin_imm(i64_le_s);
            I64LeU(BinSS) = numeric::bin(i64_le_u);
            I64LeUImm(BinSI) = numeric::bin_imm(i64_le_u);
            I64GeS(BinSS) = numeric::bin(i64_ge_s);
            I64GeSImm(BinSI) = numeric::bin_imm(i64_ge_s);
            I64GeU(BinSS) = numeric::bin(i64_ge_u);
            I64GeUImm(BinSI) = numeric::bin_imm(i64_ge_u);
            I64Add(BinSS) = numeric::bin(i64_add);
            I64AddImm(BinSI) = numeric::bin_imm(i64_add);
            I64Sub(BinSS) = numeric::bin(i64_sub);
            I64SubImm(BinSI) = numeric::bin_imm(i64_sub);
            I64Mul(BinSS) = numeric::bin(i64_mul);
            I64MulImm(BinSI) = numeric::bin_imm(i64_mul);
            I64DivS(BinSS) = numeric::bin(i64_div_s);
            I64DivSImm(BinSI) = numeric::bin_imm(i64_div_s);
            I64DivU(BinSS) = numeric::bin(i64_div_u);
            I64DivUImm(BinSI) = numeric::bin_imm(i64_div_u);
            I64RemS(BinSS) = numeric::bin(i64_rem_s);
            I64RemSImm(BinSI) = numeric::bin_imm(i64_rem_s);
            I64RemU(BinSS) = numeric::bin(i64_rem_u);
            I64RemUImm(BinSI) = numeric::bin_imm(i64_rem_u);
            I64And(BinSS) = numeric::bin(i64_and);
            I64AndImm(BinSI) = numeric::bin_imm(i64_and);
            I64Or(BinSS) = numeric::bin(i64_or);
            I64OrImm(BinSI) = numeric::bin_imm(i64_or);
            I64Xor(BinSS) = numeric::bin(i64_xor);
            I64XorImm(BinSI) = numeric::bin_imm(i64_xor);
            I64Shl(BinSS) = numeric::bin(i64_shl);
            I64ShlImm(BinSI) = numeric::bin_imm(i64_shl);
            I64ShrS(BinSS) = numeric::bin(i64_shr_s);
            I64ShrSImm(BinSI) = numeric::bin_imm(i64_shr_s);
            I64ShrU(BinSS) = numeric::bin(i64_shr_u);
            I64ShrUImm(BinSI) = numeric::bin_imm(i64_shr_u);
            I64Rotl(BinSS) = numeric::bin(i64_rotl);
            I64RotlImm(BinSI) = numeric::bin_imm(i64_rotl);
            I64Rotr(BinSS) = numeric::bin(i64_rotr);
            I64RotrImm(BinSI) = numeric::bin_imm(i64_rotr);

            // ---- numeric: f32 ----
            F32Abs(Un) = numeric::un(f32_abs);
            F32Neg(Un) = numeric::un(f32_neg);
            F32Ceil(Un) = numeric::un(f32_ceil);
            F32Floor(Un) = numeric::un(f32_floor);
            F32Trunc(Un) = numeric::un(f32_trunc);
            F32Nearest(Un) = numeric::un(f32_nearest);
            F32Sqrt(Un) = numeric::un(f32_sqrt);
            F32Eq(BinSS) = numeric::bin(f32_eq);
            F32EqImm(BinSI) = numeric::bin_imm(f32_eq);
            F32Ne(BinSS) = numeric::bin(f32_ne);
            F32NeImm(BinSI) = numeric::bin_imm(f32_ne);
            F32Lt(BinSS) = numeric::bin(f32_lt);
            F32LtImm(BinSI) = numeric::bin_imm(f32_lt);
            F32Gt(BinSS) = numeric::bin(f32_gt);
            F32GtImm(BinSI) = numeric::bin_imm(f32_gt);
            F32Le(BinSS) = numeric::bin(f32_le);
            F32LeImm(BinSI) = numeric::bin_imm(f32_le);
            F32Ge(BinSS) = numeric::bin(f32_ge);
            F32GeImm(BinSI) = numeric::bin_imm(f32_ge);
            F32Add(BinSS) = numeric::bin(f32_add);
            F32AddImm(BinSI) = numeric::bin_imm(f32_add);
            F32Sub(BinSS) = numeric::bin(f32_sub);
            F32SubImm(BinSI) = numeric::bin_imm(f32_sub);
            F32Mul(BinSS) = numeric::bin(f32_mul);
            F32MulImm(BinSI) = numeric::bin_imm(f32_mul);
            F32Div(BinSS) = numeric::bin(f32_div);
            F32DivImm(BinSI) = numeric::bin_imm(f32_div);
            F32Min(BinSS) = numeric::bin(f32_min);
            F32MinImm(BinSI) = numeric::bin_imm(f32_min);
            F32Max(BinSS) = numeric::bin(f32_max);
            F32MaxImm(BinSI) = numeric::bin_imm(f32_max);
            F32Copysign(BinSS) = numeric::bin(f32_copysign);
            F32CopysignImm(BinSI) = numeric::bin_imm(f32_copysign);

            // ---- numeric: f64 ----
            F64Abs(Un) = numeric::un(f64_abs);
            F64Neg(Un) = numeric::un(f64_neg);
            F64Ceil(Un) = numeric::un(f64_ceil);
            F64Floor(Un) = numeric::un(f64_floor);
            F64Trunc(Un) = numeric::un(f64_trunc);
            F64Nearest(Un) = numeric::un(f64_nearest);
            F64Sqrt(Un) = numeric::un(f64_sqrt);
            F64Eq(BinSS) = numeric::bin(f64_eq);
            F64EqImm(BinSI) = numeric::bin_imm(f64_eq);
            F64Ne(BinSS) = numeric::bin(f64_ne);
            F64NeImm(BinSI) = numeric::bin_imm(f64_ne);
            F64Lt(BinSS) = numeric::bin(f64_lt);
            F64LtImm(BinSI) = numeric::bin_imm(f64_lt);
            F64Gt(BinSS) = numeric::bin(f64_gt);
            F64GtImm(BinSI) = numeric::bin_imm(f64_gt);
            F64Le(BinSS) = numeric::bin(f64_le);
            F64LeImm(BinSI) = numeric::bin_imm(f64_le);
            F64Ge(BinSS) = numeric::bin(f64_ge);
            F64GeImm(BinSI) = numeric::bin_imm(f64_ge);
            F64Add(BinSS) = numeric::bin(f64_add);
            F64AddImm(BinSI) = numeric::bin_imm(f64_add);
            F64Sub(BinSS) = numeric::bin(f64_sub);
            F64SubImm(BinSI) = numeric::bin_imm(f64_sub);
            F64Mul(BinSS) = numeric::bin(f64_mul);
            F64MulImm(BinSI) = numeric::bin_imm(f64_mul);
            F64Div(BinSS) = numeric::bin(f64_div);
            F64DivImm(BinSI) = numeric::bin_imm(f64_div);
            F64Min(BinSS) = numeric::bin(f64_min);
            F64MinImm(BinSI) = numeric::bin_imm(f64_min);
            F64Max(BinSS) = numeric::bin(f64_max);
            F64MaxImm(BinSI) = numeric::bin_imm(f64_max);
            F64Copysign(BinSS) = numeric::bin(f64_copysign);
            F64CopysignImm(BinSI) = numeric::bin_imm(f64_copysign);

            // ---- numeric: conversions ----
            I32TruncF32S(Un) = numeric::un(i32_trunc_f32_s);
            I32TruncF32U(Un) = numeric::un(i32_trunc_f32_u);
            I32TruncF64S(Un) = numeric::un(i32_trunc_f64_s);
            I32TruncF64U(Un) = numeric::un(i32_trunc_f64_u);
            I64TruncF32S(Un) = numeric::un(i64_trunc_f32_s);
            I64TruncF32U(Un) = numeric::un(i64_trunc_f32_u);
            I64TruncF64S(Un) = numeric::un(i64_trunc_f64_s);
            I64TruncF64U(Un) = numeric::un(i64_trunc_f64_u);
            I32TruncSatF32S(Un) = numeric::un(i32_trunc_sat_f32_s);
            I32TruncSatF32U(Un) = numeric::un(i32_trunc_sat_f32_u);
            I32TruncSatF64S(Un) = numeric::un(i32_trunc_sat_f64_s);
            I32TruncSatF64U(Un) = numeric::un(i32_trunc_sat_f64_u);
            I64TruncSatF32S(Un) = numeric::un(i64_trunc_sat_f32_s);
            I64TruncSatF32U(Un) = numeric::un(i64_trunc_sat_f32_u);
            I64TruncSatF64S(Un) = numeric::un(i64_trunc_sat_f64_s);
            I64TruncSatF64U(Un) = numeric::un(i64_trunc_sat_f64_u);
            F32ConvertI32S(Un) = numeric::un(f32_convert_i32_s);
            F32ConvertI32U(Un) = numeric::un(f32_convert_i32_u);
            F32ConvertI64S(Un) = numeric::un(f32_convert_i64_s);
            F32ConvertI64U(Un) = numeric::un(f32_convert_i64_u);
            F64ConvertI32S(Un) = numeric::un(f64_convert_i32_s);
            F64ConvertI32U(Un) = numeric::un(f64_convert_i32_u);
            F64ConvertI64S(Un) = numeric::un(f64_convert_i64_s);
            F64ConvertI64U(Un) = numeric::un(f64_convert_i64_u);
            F32DemoteF64(Un) = numeric::un(f32_demote_f64);
            F64PromoteF32(Un) = numeric::un(f64_promote_f32);
        }
    };
}

pub(crate) use for_each_instr;

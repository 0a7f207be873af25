//! Instructions of Wasm 2.0 (with SIMD) as decoded values, and the reader
//! that decodes them from a function body. Decoding only: no typing here.

use super::reader::{Reader, EOF_IN_SECTION};
use super::types::{BlockType, RefType, ValType};
use super::Features;
use crate::error::Error;

/// The immediate of a load or store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MemArg {
    /// log2 of the alignment hint.
    pub align: u32,
    pub offset: u64,
    /// Memory index (always 0 without multi-memory).
    pub memory: u32,
}

/// Defines `Op`, `Op::name` and the opcode maps of the immediate-free
/// instructions from one table. Instructions with immediates are listed
/// with their opcode for reference and decoded by hand in `OpReader::read`.
macro_rules! ops {
    (
        imm { $( $ic:literal $iname:ident $( ( $($it:ty),* ) )? $( { $($if:ident : $ift:ty),* } )? = $itext:literal; )* }
        plain { $( $pc:literal $pname:ident = $ptext:literal; )* }
        fc_plain { $( $fcc:literal $fcname:ident = $fctext:literal; )* }
        fd_plain { $( $fdc:literal $fdname:ident = $fdtext:literal; )* }
    ) => {
        /// One instruction. Variants are the text-format names in CamelCase
        /// (`i32.add` is `I32Add`, `v128.load8x8_s` is `V128Load8x8S`).
        #[derive(Debug, Clone, PartialEq)]
        pub enum Op {
            $( $iname $( ( $($it),* ) )? $( { $($if : $ift),* } )?, )*
            $( $pname, )*
            $( $fcname, )*
            $( $fdname, )*
        }

        impl Op {
            /// The text-format mnemonic, e.g. `"i32.add"`.
            pub fn name(&self) -> &'static str {
                match self {
                    $( Op::$iname { .. } => $itext, )*
                    $( Op::$pname => $ptext, )*
                    $( Op::$fcname => $fctext, )*
                    $( Op::$fdname => $fdtext, )*
                }
            }
        }

        #[inline]
        fn plain_op(b: u8) -> Option<Op> {
            match b {
                $( $pc => Some(Op::$pname), )*
                _ => None,
            }
        }

        fn fc_plain_op(x: u32) -> Option<Op> {
            match x {
                $( $fcc => Some(Op::$fcname), )*
                _ => None,
            }
        }

        fn fd_plain_op(x: u32) -> Option<Op> {
            match x {
                $( $fdc => Some(Op::$fdname), )*
                _ => None,
            }
        }
    };
}

ops! {
    imm {
        0x02 Block(BlockType) = "block";
        0x03 Loop(BlockType) = "loop";
        0x04 If(BlockType) = "if";
        0x0c Br(u32) = "br";
        0x0d BrIf(u32) = "br_if";
        0x0e BrTable { targets: Box<[u32]>, default: u32 } = "br_table";
        0x10 Call(u32) = "call";
        0x11 CallIndirect { type_index: u32, table: u32 } = "call_indirect";
        0x1c SelectTyped(ValType) = "select";
        0x20 LocalGet(u32) = "local.get";
        0x21 LocalSet(u32) = "local.set";
        0x22 LocalTee(u32) = "local.tee";
        0x23 GlobalGet(u32) = "global.get";
        0x24 GlobalSet(u32) = "global.set";
        0x25 TableGet(u32) = "table.get";
        0x26 TableSet(u32) = "table.set";
        0x28 I32Load(MemArg) = "i32.load";
        0x29 I64Load(MemArg) = "i64.load";
        0x2a F32Load(MemArg) = "f32.load";
        0x2b F64Load(MemArg) = "f64.load";
        0x2c I32Load8S(MemArg) = "i32.load8_s";
        0x2d I32Load8U(MemArg) = "i32.load8_u";
        0x2e I32Load16S(MemArg) = "i32.load16_s";
        0x2f I32Load16U(MemArg) = "i32.load16_u";
        0x30 I64Load8S(MemArg) = "i64.load8_s";
        0x31 I64Load8U(MemArg) = "i64.load8_u";
        0x32 I64Load16S(MemArg) = "i64.load16_s";
        0x33 I64Load16U(MemArg) = "i64.load16_u";
        0x34 I64Load32S(MemArg) = "i64.load32_s";
        0x35 I64Load32U(MemArg) = "i64.load32_u";
        0x36 I32Store(MemArg) = "i32.store";
        0x37 I64Store(MemArg) = "i64.store";
        0x38 F32Store(MemArg) = "f32.store";
        0x39 F64Store(MemArg) = "f64.store";
        0x3a I32Store8(MemArg) = "i32.store8";
        0x3b I32Store16(MemArg) = "i32.store16";
        0x3c I64Store8(MemArg) = "i64.store8";
        0x3d I64Store16(MemArg) = "i64.store16";
        0x3e I64Store32(MemArg) = "i64.store32";
        0x3f MemorySize(u32) = "memory.size";
        0x40 MemoryGrow(u32) = "memory.grow";
        0x41 I32Const(i32) = "i32.const";
        0x42 I64Const(i64) = "i64.const";
        0x43 F32Const(u32) = "f32.const";
        0x44 F64Const(u64) = "f64.const";
        0xd0 RefNull(RefType) = "ref.null";
        0xd2 RefFunc(u32) = "ref.func";
        // 0xfc prefix
        8 MemoryInit { data: u32, memory: u32 } = "memory.init";
        9 DataDrop(u32) = "data.drop";
        10 MemoryCopy { dst: u32, src: u32 } = "memory.copy";
        11 MemoryFill(u32) = "memory.fill";
        12 TableInit { elem: u32, table: u32 } = "table.init";
        13 ElemDrop(u32) = "elem.drop";
        14 TableCopy { dst: u32, src: u32 } = "table.copy";
        15 TableGrow(u32) = "table.grow";
        16 TableSize(u32) = "table.size";
        17 TableFill(u32) = "table.fill";
        // 0xfd prefix
        0 V128Load(MemArg) = "v128.load";
        1 V128Load8x8S(MemArg) = "v128.load8x8_s";
        2 V128Load8x8U(MemArg) = "v128.load8x8_u";
        3 V128Load16x4S(MemArg) = "v128.load16x4_s";
        4 V128Load16x4U(MemArg) = "v128.load16x4_u";
        5 V128Load32x2S(MemArg) = "v128.load32x2_s";
        6 V128Load32x2U(MemArg) = "v128.load32x2_u";
        7 V128Load8Splat(MemArg) = "v128.load8_splat";
        8 V128Load16Splat(MemArg) = "v128.load16_splat";
        9 V128Load32Splat(MemArg) = "v128.load32_splat";
        10 V128Load64Splat(MemArg) = "v128.load64_splat";
        11 V128Store(MemArg) = "v128.store";
        12 V128Const(u128) = "v128.const";
        13 I8x16Shuffle([u8; 16]) = "i8x16.shuffle";
        21 I8x16ExtractLaneS(u8) = "i8x16.extract_lane_s";
        22 I8x16ExtractLaneU(u8) = "i8x16.extract_lane_u";
        23 I8x16ReplaceLane(u8) = "i8x16.replace_lane";
        24 I16x8ExtractLaneS(u8) = "i16x8.extract_lane_s";
        25 I16x8ExtractLaneU(u8) = "i16x8.extract_lane_u";
        26 I16x8ReplaceLane(u8) = "i16x8.replace_lane";
        27 I32x4ExtractLane(u8) = "i32x4.extract_lane";
        28 I32x4ReplaceLane(u8) = "i32x4.replace_lane";
        29 I64x2ExtractLane(u8) = "i64x2.extract_lane";
        30 I64x2ReplaceLane(u8) = "i64x2.replace_lane";
        31 F32x4ExtractLane(u8) = "f32x4.extract_lane";
        32 F32x4ReplaceLane(u8) = "f32x4.replace_lane";
        33 F64x2ExtractLane(u8) = "f64x2.extract_lane";
        34 F64x2ReplaceLane(u8) = "f64x2.replace_lane";
        84 V128Load8Lane { memarg: MemArg, lane: u8 } = "v128.load8_lane";
        85 V128Load16Lane { memarg: MemArg, lane: u8 } = "v128.load16_lane";
        86 V128Load32Lane { memarg: MemArg, lane: u8 } = "v128.load32_lane";
        87 V128Load64Lane { memarg: MemArg, lane: u8 } = "v128.load64_lane";
        88 V128Store8Lane { memarg: MemArg, lane: u8 } = "v128.store8_lane";
        89 V128Store16Lane { memarg: MemArg, lane: u8 } = "v128.store16_lane";
        90 V128Store32Lane { memarg: MemArg, lane: u8 } = "v128.store32_lane";
        91 V128Store64Lane { memarg: MemArg, lane: u8 } = "v128.store64_lane";
        92 V128Load32Zero(MemArg) = "v128.load32_zero";
        93 V128Load64Zero(MemArg) = "v128.load64_zero";
    }
    plain {
        0x00 Unreachable = "unreachable";
        0x01 Nop = "nop";
        0x05 Else = "else";
        0x0b End = "end";
        0x0f Return = "return";
        0x1a Drop = "drop";
        0x1b Select = "select";
        0x45 I32Eqz = "i32.eqz";
        0x46 I32Eq = "i32.eq";
        0x47 I32Ne = "i32.ne";
        0x48 I32LtS = "i32.lt_s";
        0x49 I32LtU = "i32.lt_u";
        0x4a I32GtS = "i32.gt_s";
        0x4b I32GtU = "i32.gt_u";
        0x4c I32LeS = "i32.le_s";
        0x4d I32LeU = "i32.le_u";
        0x4e I32GeS = "i32.ge_s";
        0x4f I32GeU = "i32.ge_u";
        0x50 I64Eqz = "i64.eqz";
        0x51 I64Eq = "i64.eq";
        0x52 I64Ne = "i64.ne";
        0x53 I64LtS = "i64.lt_s";
        0x54 I64LtU = "i64.lt_u";
        0x55 I64GtS = "i64.gt_s";
        0x56 I64GtU = "i64.gt_u";
        0x57 I64LeS = "i64.le_s";
        0x58 I64LeU = "i64.le_u";
        0x59 I64GeS = "i64.ge_s";
        0x5a I64GeU = "i64.ge_u";
        0x5b F32Eq = "f32.eq";
        0x5c F32Ne = "f32.ne";
        0x5d F32Lt = "f32.lt";
        0x5e F32Gt = "f32.gt";
        0x5f F32Le = "f32.le";
        0x60 F32Ge = "f32.ge";
        0x61 F64Eq = "f64.eq";
        0x62 F64Ne = "f64.ne";
        0x63 F64Lt = "f64.lt";
        0x64 F64Gt = "f64.gt";
        0x65 F64Le = "f64.le";
        0x66 F64Ge = "f64.ge";
        0x67 I32Clz = "i32.clz";
        0x68 I32Ctz = "i32.ctz";
        0x69 I32Popcnt = "i32.popcnt";
        0x6a I32Add = "i32.add";
        0x6b I32Sub = "i32.sub";
        0x6c I32Mul = "i32.mul";
        0x6d I32DivS = "i32.div_s";
        0x6e I32DivU = "i32.div_u";
        0x6f I32RemS = "i32.rem_s";
        0x70 I32RemU = "i32.rem_u";
        0x71 I32And = "i32.and";
        0x72 I32Or = "i32.or";
        0x73 I32Xor = "i32.xor";
        0x74 I32Shl = "i32.shl";
        0x75 I32ShrS = "i32.shr_s";
        0x76 I32ShrU = "i32.shr_u";
        0x77 I32Rotl = "i32.rotl";
        0x78 I32Rotr = "i32.rotr";
        0x79 I64Clz = "i64.clz";
        0x7a I64Ctz = "i64.ctz";
        0x7b I64Popcnt = "i64.popcnt";
        0x7c I64Add = "i64.add";
        0x7d I64Sub = "i64.sub";
        0x7e I64Mul = "i64.mul";
        0x7f I64DivS = "i64.div_s";
        0x80 I64DivU = "i64.div_u";
        0x81 I64RemS = "i64.rem_s";
        0x82 I64RemU = "i64.rem_u";
        0x83 I64And = "i64.and";
        0x84 I64Or = "i64.or";
        0x85 I64Xor = "i64.xor";
        0x86 I64Shl = "i64.shl";
        0x87 I64ShrS = "i64.shr_s";
        0x88 I64ShrU = "i64.shr_u";
        0x89 I64Rotl = "i64.rotl";
        0x8a I64Rotr = "i64.rotr";
        0x8b F32Abs = "f32.abs";
        0x8c F32Neg = "f32.neg";
        0x8d F32Ceil = "f32.ceil";
        0x8e F32Floor = "f32.floor";
        0x8f F32Trunc = "f32.trunc";
        0x90 F32Nearest = "f32.nearest";
        0x91 F32Sqrt = "f32.sqrt";
        0x92 F32Add = "f32.add";
        0x93 F32Sub = "f32.sub";
        0x94 F32Mul = "f32.mul";
        0x95 F32Div = "f32.div";
        0x96 F32Min = "f32.min";
        0x97 F32Max = "f32.max";
        0x98 F32Copysign = "f32.copysign";
        0x99 F64Abs = "f64.abs";
        0x9a F64Neg = "f64.neg";
        0x9b F64Ceil = "f64.ceil";
        0x9c F64Floor = "f64.floor";
        0x9d F64Trunc = "f64.trunc";
        0x9e F64Nearest = "f64.nearest";
        0x9f F64Sqrt = "f64.sqrt";
        0xa0 F64Add = "f64.add";
        0xa1 F64Sub = "f64.sub";
        0xa2 F64Mul = "f64.mul";
        0xa3 F64Div = "f64.div";
        0xa4 F64Min = "f64.min";
        0xa5 F64Max = "f64.max";
        0xa6 F64Copysign = "f64.copysign";
        0xa7 I32WrapI64 = "i32.wrap_i64";
        0xa8 I32TruncF32S = "i32.trunc_f32_s";
        0xa9 I32TruncF32U = "i32.trunc_f32_u";
        0xaa I32TruncF64S = "i32.trunc_f64_s";
        0xab I32TruncF64U = "i32.trunc_f64_u";
        0xac I64ExtendI32S = "i64.extend_i32_s";
        0xad I64ExtendI32U = "i64.extend_i32_u";
        0xae I64TruncF32S = "i64.trunc_f32_s";
        0xaf I64TruncF32U = "i64.trunc_f32_u";
        0xb0 I64TruncF64S = "i64.trunc_f64_s";
        0xb1 I64TruncF64U = "i64.trunc_f64_u";
        0xb2 F32ConvertI32S = "f32.convert_i32_s";
        0xb3 F32ConvertI32U = "f32.convert_i32_u";
        0xb4 F32ConvertI64S = "f32.convert_i64_s";
        0xb5 F32ConvertI64U = "f32.convert_i64_u";
        0xb6 F32DemoteF64 = "f32.demote_f64";
        0xb7 F64ConvertI32S = "f64.convert_i32_s";
        0xb8 F64ConvertI32U = "f64.convert_i32_u";
        0xb9 F64ConvertI64S = "f64.convert_i64_s";
        0xba F64ConvertI64U = "f64.convert_i64_u";
        0xbb F64PromoteF32 = "f64.promote_f32";
        0xbc I32ReinterpretF32 = "i32.reinterpret_f32";
        0xbd I64ReinterpretF64 = "i64.reinterpret_f64";
        0xbe F32ReinterpretI32 = "f32.reinterpret_i32";
        0xbf F64ReinterpretI64 = "f64.reinterpret_i64";
        0xc0 I32Extend8S = "i32.extend8_s";
        0xc1 I32Extend16S = "i32.extend16_s";
        0xc2 I64Extend8S = "i64.extend8_s";
        0xc3 I64Extend16S = "i64.extend16_s";
        0xc4 I64Extend32S = "i64.extend32_s";
        0xd1 RefIsNull = "ref.is_null";
    }
    fc_plain {
        0 I32TruncSatF32S = "i32.trunc_sat_f32_s";
        1 I32TruncSatF32U = "i32.trunc_sat_f32_u";
        2 I32TruncSatF64S = "i32.trunc_sat_f64_s";
        3 I32TruncSatF64U = "i32.trunc_sat_f64_u";
        4 I64TruncSatF32S = "i64.trunc_sat_f32_s";
        5 I64TruncSatF32U = "i64.trunc_sat_f32_u";
        6 I64TruncSatF64S = "i64.trunc_sat_f64_s";
        7 I64TruncSatF64U = "i64.trunc_sat_f64_u";
    }
    fd_plain {
        14 I8x16Swizzle = "i8x16.swizzle";
        15 I8x16Splat = "i8x16.splat";
        16 I16x8Splat = "i16x8.splat";
        17 I32x4Splat = "i32x4.splat";
        18 I64x2Splat = "i64x2.splat";
        19 F32x4Splat = "f32x4.splat";
        20 F64x2Splat = "f64x2.splat";
        35 I8x16Eq = "i8x16.eq";
        36 I8x16Ne = "i8x16.ne";
        37 I8x16LtS = "i8x16.lt_s";
        38 I8x16LtU = "i8x16.lt_u";
        39 I8x16GtS = "i8x16.gt_s";
        40 I8x16GtU = "i8x16.gt_u";
        41 I8x16LeS = "i8x16.le_s";
        42 I8x16LeU = "i8x16.le_u";
        43 I8x16GeS = "i8x16.ge_s";
        44 I8x16GeU = "i8x16.ge_u";
        45 I16x8Eq = "i16x8.eq";
        46 I16x8Ne = "i16x8.ne";
        47 I16x8LtS = "i16x8.lt_s";
        48 I16x8LtU = "i16x8.lt_u";
        49 I16x8GtS = "i16x8.gt_s";
        50 I16x8GtU = "i16x8.gt_u";
        51 I16x8LeS = "i16x8.le_s";
        52 I16x8LeU = "i16x8.le_u";
        53 I16x8GeS = "i16x8.ge_s";
        54 I16x8GeU = "i16x8.ge_u";
        55 I32x4Eq = "i32x4.eq";
        56 I32x4Ne = "i32x4.ne";
        57 I32x4LtS = "i32x4.lt_s";
        58 I32x4LtU = "i32x4.lt_u";
        59 I32x4GtS = "i32x4.gt_s";
        60 I32x4GtU = "i32x4.gt_u";
        61 I32x4LeS = "i32x4.le_s";
        62 I32x4LeU = "i32x4.le_u";
        63 I32x4GeS = "i32x4.ge_s";
        64 I32x4GeU = "i32x4.ge_u";
        65 F32x4Eq = "f32x4.eq";
        66 F32x4Ne = "f32x4.ne";
        67 F32x4Lt = "f32x4.lt";
        68 F32x4Gt = "f32x4.gt";
        69 F32x4Le = "f32x4.le";
        70 F32x4Ge = "f32x4.ge";
        71 F64x2Eq = "f64x2.eq";
        72 F64x2Ne = "f64x2.ne";
        73 F64x2Lt = "f64x2.lt";
        74 F64x2Gt = "f64x2.gt";
        75 F64x2Le = "f64x2.le";
        76 F64x2Ge = "f64x2.ge";
        77 V128Not = "v128.not";
        78 V128And = "v128.and";
        79 V128Andnot = "v128.andnot";
        80 V128Or = "v128.or";
        81 V128Xor = "v128.xor";
        82 V128Bitselect = "v128.bitselect";
        83 V128AnyTrue = "v128.any_true";
        94 F32x4DemoteF64x2Zero = "f32x4.demote_f64x2_zero";
        95 F64x2PromoteLowF32x4 = "f64x2.promote_low_f32x4";
        96 I8x16Abs = "i8x16.abs";
        97 I8x16Neg = "i8x16.neg";
        98 I8x16Popcnt = "i8x16.popcnt";
        99 I8x16AllTrue = "i8x16.all_true";
        100 I8x16Bitmask = "i8x16.bitmask";
        101 I8x16NarrowI16x8S = "i8x16.narrow_i16x8_s";
        102 I8x16NarrowI16x8U = "i8x16.narrow_i16x8_u";
        103 F32x4Ceil = "f32x4.ceil";
        104 F32x4Floor = "f32x4.floor";
        105 F32x4Trunc = "f32x4.trunc";
        106 F32x4Nearest = "f32x4.nearest";
        107 I8x16Shl = "i8x16.shl";
        108 I8x16ShrS = "i8x16.shr_s";
        109 I8x16ShrU = "i8x16.shr_u";
        110 I8x16Add = "i8x16.add";
        111 I8x16AddSatS = "i8x16.add_sat_s";
        112 I8x16AddSatU = "i8x16.add_sat_u";
        113 I8x16Sub = "i8x16.sub";
        114 I8x16SubSatS = "i8x16.sub_sat_s";
        115 I8x16SubSatU = "i8x16.sub_sat_u";
        116 F64x2Ceil = "f64x2.ceil";
        117 F64x2Floor = "f64x2.floor";
        118 I8x16MinS = "i8x16.min_s";
        119 I8x16MinU = "i8x16.min_u";
        120 I8x16MaxS = "i8x16.max_s";
        121 I8x16MaxU = "i8x16.max_u";
        122 F64x2Trunc = "f64x2.trunc";
        123 I8x16AvgrU = "i8x16.avgr_u";
        124 I16x8ExtaddPairwiseI8x16S = "i16x8.extadd_pairwise_i8x16_s";
        125 I16x8ExtaddPairwiseI8x16U = "i16x8.extadd_pairwise_i8x16_u";
        126 I32x4ExtaddPairwiseI16x8S = "i32x4.extadd_pairwise_i16x8_s";
        127 I32x4ExtaddPairwiseI16x8U = "i32x4.extadd_pairwise_i16x8_u";
        128 I16x8Abs = "i16x8.abs";
        129 I16x8Neg = "i16x8.neg";
        130 I16x8Q15mulrSatS = "i16x8.q15mulr_sat_s";
        131 I16x8AllTrue = "i16x8.all_true";
        132 I16x8Bitmask = "i16x8.bitmask";
        133 I16x8NarrowI32x4S = "i16x8.narrow_i32x4_s";
        134 I16x8NarrowI32x4U = "i16x8.narrow_i32x4_u";
        135 I16x8ExtendLowI8x16S = "i16x8.extend_low_i8x16_s";
        136 I16x8ExtendHighI8x16S = "i16x8.extend_high_i8x16_s";
        137 I16x8ExtendLowI8x16U = "i16x8.extend_low_i8x16_u";
        138 I16x8ExtendHighI8x16U = "i16x8.extend_high_i8x16_u";
        139 I16x8Shl = "i16x8.shl";
        140 I16x8ShrS = "i16x8.shr_s";
        141 I16x8ShrU = "i16x8.shr_u";
        142 I16x8Add = "i16x8.add";
        143 I16x8AddSatS = "i16x8.add_sat_s";
        144 I16x8AddSatU = "i16x8.add_sat_u";
        145 I16x8Sub = "i16x8.sub";
        146 I16x8SubSatS = "i16x8.sub_sat_s";
        147 I16x8SubSatU = "i16x8.sub_sat_u";
        148 F64x2Nearest = "f64x2.nearest";
        149 I16x8Mul = "i16x8.mul";
        150 I16x8MinS = "i16x8.min_s";
        151 I16x8MinU = "i16x8.min_u";
        152 I16x8MaxS = "i16x8.max_s";
        153 I16x8MaxU = "i16x8.max_u";
        155 I16x8AvgrU = "i16x8.avgr_u";
        156 I16x8ExtmulLowI8x16S = "i16x8.extmul_low_i8x16_s";
        157 I16x8ExtmulHighI8x16S = "i16x8.extmul_high_i8x16_s";
        158 I16x8ExtmulLowI8x16U = "i16x8.extmul_low_i8x16_u";
        159 I16x8ExtmulHighI8x16U = "i16x8.extmul_high_i8x16_u";
        160 I32x4Abs = "i32x4.abs";
        161 I32x4Neg = "i32x4.neg";
        163 I32x4AllTrue = "i32x4.all_true";
        164 I32x4Bitmask = "i32x4.bitmask";
        167 I32x4ExtendLowI16x8S = "i32x4.extend_low_i16x8_s";
        168 I32x4ExtendHighI16x8S = "i32x4.extend_high_i16x8_s";
        169 I32x4ExtendLowI16x8U = "i32x4.extend_low_i16x8_u";
        170 I32x4ExtendHighI16x8U = "i32x4.extend_high_i16x8_u";
        171 I32x4Shl = "i32x4.shl";
        172 I32x4ShrS = "i32x4.shr_s";
        173 I32x4ShrU = "i32x4.shr_u";
        174 I32x4Add = "i32x4.add";
        177 I32x4Sub = "i32x4.sub";
        181 I32x4Mul = "i32x4.mul";
        182 I32x4MinS = "i32x4.min_s";
        183 I32x4MinU = "i32x4.min_u";
        184 I32x4MaxS = "i32x4.max_s";
        185 I32x4MaxU = "i32x4.max_u";
        186 I32x4DotI16x8S = "i32x4.dot_i16x8_s";
        188 I32x4ExtmulLowI16x8S = "i32x4.extmul_low_i16x8_s";
        189 I32x4ExtmulHighI16x8S = "i32x4.extmul_high_i16x8_s";
        190 I32x4ExtmulLowI16x8U = "i32x4.extmul_low_i16x8_u";
        191 I32x4ExtmulHighI16x8U = "i32x4.extmul_high_i16x8_u";
        192 I64x2Abs = "i64x2.abs";
        193 I64x2Neg = "i64x2.neg";
        195 I64x2AllTrue = "i64x2.all_true";
        196 I64x2Bitmask = "i64x2.bitmask";
        199 I64x2ExtendLowI32x4S = "i64x2.extend_low_i32x4_s";
        200 I64x2ExtendHighI32x4S = "i64x2.extend_high_i32x4_s";
        201 I64x2ExtendLowI32x4U = "i64x2.extend_low_i32x4_u";
        202 I64x2ExtendHighI32x4U = "i64x2.extend_high_i32x4_u";
        203 I64x2Shl = "i64x2.shl";
        204 I64x2ShrS = "i64x2.shr_s";
        205 I64x2ShrU = "i64x2.shr_u";
        206 I64x2Add = "i64x2.add";
        209 I64x2Sub = "i64x2.sub";
        213 I64x2Mul = "i64x2.mul";
        214 I64x2Eq = "i64x2.eq";
        215 I64x2Ne = "i64x2.ne";
        216 I64x2LtS = "i64x2.lt_s";
        217 I64x2GtS = "i64x2.gt_s";
        218 I64x2LeS = "i64x2.le_s";
        219 I64x2GeS = "i64x2.ge_s";
        220 I64x2ExtmulLowI32x4S = "i64x2.extmul_low_i32x4_s";
        221 I64x2ExtmulHighI32x4S = "i64x2.extmul_high_i32x4_s";
        222 I64x2ExtmulLowI32x4U = "i64x2.extmul_low_i32x4_u";
        223 I64x2ExtmulHighI32x4U = "i64x2.extmul_high_i32x4_u";
        224 F32x4Abs = "f32x4.abs";
        225 F32x4Neg = "f32x4.neg";
        227 F32x4Sqrt = "f32x4.sqrt";
        228 F32x4Add = "f32x4.add";
        229 F32x4Sub = "f32x4.sub";
        230 F32x4Mul = "f32x4.mul";
        231 F32x4Div = "f32x4.div";
        232 F32x4Min = "f32x4.min";
        233 F32x4Max = "f32x4.max";
        234 F32x4Pmin = "f32x4.pmin";
        235 F32x4Pmax = "f32x4.pmax";
        236 F64x2Abs = "f64x2.abs";
        237 F64x2Neg = "f64x2.neg";
        239 F64x2Sqrt = "f64x2.sqrt";
        240 F64x2Add = "f64x2.add";
        241 F64x2Sub = "f64x2.sub";
        242 F64x2Mul = "f64x2.mul";
        243 F64x2Div = "f64x2.div";
        244 F64x2Min = "f64x2.min";
        245 F64x2Max = "f64x2.max";
        246 F64x2Pmin = "f64x2.pmin";
        247 F64x2Pmax = "f64x2.pmax";
        248 I32x4TruncSatF32x4S = "i32x4.trunc_sat_f32x4_s";
        249 I32x4TruncSatF32x4U = "i32x4.trunc_sat_f32x4_u";
        250 F32x4ConvertI32x4S = "f32x4.convert_i32x4_s";
        251 F32x4ConvertI32x4U = "f32x4.convert_i32x4_u";
        252 I32x4TruncSatF64x2SZero = "i32x4.trunc_sat_f64x2_s_zero";
        253 I32x4TruncSatF64x2UZero = "i32x4.trunc_sat_f64x2_u_zero";
        254 F64x2ConvertLowI32x4S = "f64x2.convert_low_i32x4_s";
        255 F64x2ConvertLowI32x4U = "f64x2.convert_low_i32x4_u";
    }
}

/// Decodes instructions one at a time from a function body (or from any
/// instruction sequence, such as a constant expression).
#[derive(Debug, Clone)]
pub struct OpReader<'a> {
    r: Reader<'a>,
    features: Features,
}

impl<'a> OpReader<'a> {
    /// A reader over `bytes`, where `bytes[0]` is at `base_offset` in the
    /// module binary. Decodes Wasm 2.0 (see [`OpReader::with_features`]).
    pub fn new(bytes: &'a [u8], base_offset: usize) -> Self {
        let mut r = Reader::new(bytes, base_offset);
        r.set_eof_message(EOF_IN_SECTION);
        OpReader { r, features: Features::default() }
    }

    /// Decodes the instruction encodings `features` add (memory indices).
    pub fn with_features(mut self, features: Features) -> Self {
        self.features = features;
        self
    }

    /// Continues from a byte reader's position.
    pub(crate) fn from_reader(r: Reader<'a>, features: Features) -> Self {
        OpReader { r, features }
    }

    /// The byte reader, positioned after the last instruction read.
    pub(crate) fn into_reader(self) -> Reader<'a> {
        self.r
    }

    /// Absolute offset of the next instruction.
    pub fn offset(&self) -> usize {
        self.r.offset()
    }

    /// True when every byte has been read.
    pub fn is_end(&self) -> bool {
        self.r.is_end()
    }

    /// Decodes the next instruction. Errors are `Error::Malformed` with the
    /// spec's wording, except `select` with a type list whose length is not
    /// one: that is the validation error "invalid result arity", reported
    /// after the whole instruction has been consumed (so reading can go on).
    #[inline]
    pub fn read(&mut self) -> Result<Op, Error> {
        let mut op = Op::Nop;
        self.read_into(&mut op)?;
        Ok(op)
    }

    /// `read`, into `op`: a hot loop that keeps one `Op` and lends it out
    /// saves a copy of each instruction (and the stall of reading a whole
    /// `Op` back just after its tag alone was written).
    #[inline]
    pub fn read_into(&mut self, op: &mut Op) -> Result<(), Error> {
        let at = self.r.offset();
        let b = self.r.u8()?;
        if let Some(plain) = plain_op(b) {
            *op = plain;
            return Ok(());
        }
        let multi = self.features.multi_memory;
        let r = &mut self.r;
        *op = match b {
            0x02 => Op::Block(block_type(r)?),
            0x03 => Op::Loop(block_type(r)?),
            0x04 => Op::If(block_type(r)?),
            0x0c => Op::Br(r.u32()?),
            0x0d => Op::BrIf(r.u32()?),
            0x0e => {
                let n = r.count()?;
                let mut targets = Vec::with_capacity(super::reader::capacity(n));
                for _ in 0..n {
                    targets.push(r.u32()?);
                }
                Op::BrTable { targets: targets.into_boxed_slice(), default: r.u32()? }
            }
            0x10 => Op::Call(r.u32()?),
            0x11 => {
                let type_index = r.u32()?;
                Op::CallIndirect { type_index, table: r.u32()? }
            }
            0x1c => {
                let n = r.count()?;
                let mut first = None;
                for _ in 0..n {
                    let t = val_type(r)?;
                    first.get_or_insert(t);
                }
                match first {
                    Some(t) if n == 1 => Op::SelectTyped(t),
                    _ => return Err(Error::invalid(None, at, "invalid result arity")),
                }
            }
            0x20 => Op::LocalGet(r.u32()?),
            0x21 => Op::LocalSet(r.u32()?),
            0x22 => Op::LocalTee(r.u32()?),
            0x23 => Op::GlobalGet(r.u32()?),
            0x24 => Op::GlobalSet(r.u32()?),
            0x25 => Op::TableGet(r.u32()?),
            0x26 => Op::TableSet(r.u32()?),
            0x28 => Op::I32Load(mem_arg(r, multi)?),
            0x29 => Op::I64Load(mem_arg(r, multi)?),
            0x2a => Op::F32Load(mem_arg(r, multi)?),
            0x2b => Op::F64Load(mem_arg(r, multi)?),
            0x2c => Op::I32Load8S(mem_arg(r, multi)?),
            0x2d => Op::I32Load8U(mem_arg(r, multi)?),
            0x2e => Op::I32Load16S(mem_arg(r, multi)?),
            0x2f => Op::I32Load16U(mem_arg(r, multi)?),
            0x30 => Op::I64Load8S(mem_arg(r, multi)?),
            0x31 => Op::I64Load8U(mem_arg(r, multi)?),
            0x32 => Op::I64Load16S(mem_arg(r, multi)?),
            0x33 => Op::I64Load16U(mem_arg(r, multi)?),
            0x34 => Op::I64Load32S(mem_arg(r, multi)?),
            0x35 => Op::I64Load32U(mem_arg(r, multi)?),
            0x36 => Op::I32Store(mem_arg(r, multi)?),
            0x37 => Op::I64Store(mem_arg(r, multi)?),
            0x38 => Op::F32Store(mem_arg(r, multi)?),
            0x39 => Op::F64Store(mem_arg(r, multi)?),
            0x3a => Op::I32Store8(mem_arg(r, multi)?),
            0x3b => Op::I32Store16(mem_arg(r, multi)?),
            0x3c => Op::I64Store8(mem_arg(r, multi)?),
            0x3d => Op::I64Store16(mem_arg(r, multi)?),
            0x3e => Op::I64Store32(mem_arg(r, multi)?),
            0x3f => Op::MemorySize(mem_index(r, multi)?),
            0x40 => Op::MemoryGrow(mem_index(r, multi)?),
            0x41 => Op::I32Const(r.s32()?),
            0x42 => Op::I64Const(r.s64()?),
            0x43 => Op::F32Const(r.f32_bits()?),
            0x44 => Op::F64Const(r.f64_bits()?),
            0xd0 => Op::RefNull(ref_type(r)?),
            0xd2 => Op::RefFunc(r.u32()?),
            0xfc => read_fc(r, at, multi)?,
            0xfd => read_fd(r, at, multi)?,
            _ => return Err(illegal(at, &[u32::from(b)])),
        };
        Ok(())
    }
}

fn illegal(at: usize, code: &[u32]) -> Error {
    let mut msg = String::from("illegal opcode");
    for c in code {
        msg.push_str(&format!(" {c:#04x}"));
    }
    Error::malformed(at, msg)
}

/// `multi`: memory indices are LEB128 (multi-memory), not zero bytes.
fn read_fc(r: &mut Reader<'_>, at: usize, multi: bool) -> Result<Op, Error> {
    let x = r.u32()?;
    if let Some(op) = fc_plain_op(x) {
        return Ok(op);
    }
    Ok(match x {
        8 => {
            let data = r.u32()?;
            Op::MemoryInit { data, memory: mem_index(r, multi)? }
        }
        9 => Op::DataDrop(r.u32()?),
        10 => {
            let dst = mem_index(r, multi)?;
            Op::MemoryCopy { dst, src: mem_index(r, multi)? }
        }
        11 => Op::MemoryFill(mem_index(r, multi)?),
        12 => {
            let elem = r.u32()?;
            Op::TableInit { elem, table: r.u32()? }
        }
        13 => Op::ElemDrop(r.u32()?),
        14 => {
            let dst = r.u32()?;
            Op::TableCopy { dst, src: r.u32()? }
        }
        15 => Op::TableGrow(r.u32()?),
        16 => Op::TableSize(r.u32()?),
        17 => Op::TableFill(r.u32()?),
        _ => return Err(illegal(at, &[0xfc, x])),
    })
}

/// `multi`: memargs may carry a memory index.
fn read_fd(r: &mut Reader<'_>, at: usize, multi: bool) -> Result<Op, Error> {
    let x = r.u32()?;
    if let Some(op) = fd_plain_op(x) {
        return Ok(op);
    }
    Ok(match x {
        0 => Op::V128Load(mem_arg(r, multi)?),
        1 => Op::V128Load8x8S(mem_arg(r, multi)?),
        2 => Op::V128Load8x8U(mem_arg(r, multi)?),
        3 => Op::V128Load16x4S(mem_arg(r, multi)?),
        4 => Op::V128Load16x4U(mem_arg(r, multi)?),
        5 => Op::V128Load32x2S(mem_arg(r, multi)?),
        6 => Op::V128Load32x2U(mem_arg(r, multi)?),
        7 => Op::V128Load8Splat(mem_arg(r, multi)?),
        8 => Op::V128Load16Splat(mem_arg(r, multi)?),
        9 => Op::V128Load32Splat(mem_arg(r, multi)?),
        10 => Op::V128Load64Splat(mem_arg(r, multi)?),
        11 => Op::V128Store(mem_arg(r, multi)?),
        12 => Op::V128Const(r.u128_le()?),
        13 => Op::I8x16Shuffle(r.array16()?),
        21 => Op::I8x16ExtractLaneS(r.u8()?),
        22 => Op::I8x16ExtractLaneU(r.u8()?),
        23 => Op::I8x16ReplaceLane(r.u8()?),
        24 => Op::I16x8ExtractLaneS(r.u8()?),
        25 => Op::I16x8ExtractLaneU(r.u8()?),
        26 => Op::I16x8ReplaceLane(r.u8()?),
        27 => Op::I32x4ExtractLane(r.u8()?),
        28 => Op::I32x4ReplaceLane(r.u8()?),
        29 => Op::I64x2ExtractLane(r.u8()?),
        30 => Op::I64x2ReplaceLane(r.u8()?),
        31 => Op::F32x4ExtractLane(r.u8()?),
        32 => Op::F32x4ReplaceLane(r.u8()?),
        33 => Op::F64x2ExtractLane(r.u8()?),
        34 => Op::F64x2ReplaceLane(r.u8()?),
        84..=91 => {
            let memarg = mem_arg(r, multi)?;
            let lane = r.u8()?;
            match x {
                84 => Op::V128Load8Lane { memarg, lane },
                85 => Op::V128Load16Lane { memarg, lane },
                86 => Op::V128Load32Lane { memarg, lane },
                87 => Op::V128Load64Lane { memarg, lane },
                88 => Op::V128Store8Lane { memarg, lane },
                89 => Op::V128Store16Lane { memarg, lane },
                90 => Op::V128Store32Lane { memarg, lane },
                _ => Op::V128Store64Lane { memarg, lane },
            }
        }
        92 => Op::V128Load32Zero(mem_arg(r, multi)?),
        93 => Op::V128Load64Zero(mem_arg(r, multi)?),
        _ => return Err(illegal(at, &[0xfd, x])),
    })
}

/// The memory index of `memory.size`/`grow`/`init`/`copy`/`fill`: a
/// LEB128 index with multi-memory (`multi`), else the reserved single 0x00
/// byte of Wasm 2.0 (not a LEB128 zero).
fn mem_index(r: &mut Reader<'_>, multi: bool) -> Result<u32, Error> {
    if multi {
        return r.u32();
    }
    let at = r.offset();
    match r.u8()? {
        0 => Ok(0),
        _ => Err(Error::malformed(at, format!("zero byte expected{NOT_ENABLED}"))),
    }
}

/// Added to a message where the multi-memory encoding would have decoded.
const NOT_ENABLED: &str = " (multi-memory is not enabled)";

/// Alignment exponent, memory index and offset. The flags are the exponent,
/// plus 64 when a memory index follows them (multi-memory, `multi`; the
/// exponent is then below 64, and larger ones fail validation). Without
/// multi-memory, flags of 32 and above are malformed, as in Wasm 2.0.
fn mem_arg(r: &mut Reader<'_>, multi: bool) -> Result<MemArg, Error> {
    const HAS_MEMORY: u32 = 1 << 6;
    let at = r.offset();
    let flags = r.u32()?;
    if flags >= 2 * HAS_MEMORY {
        return Err(Error::malformed(at, "malformed memop flags"));
    }
    if flags >= 32 && !multi {
        return Err(Error::malformed(at, format!("malformed memop flags{NOT_ENABLED}")));
    }
    let memory = if flags & HAS_MEMORY != 0 { r.u32()? } else { 0 };
    let offset = u64::from(r.u32()?);
    Ok(MemArg { align: flags & !HAS_MEMORY, offset, memory })
}

/// A value type byte.
pub(crate) fn val_type(r: &mut Reader<'_>) -> Result<ValType, Error> {
    let at = r.offset();
    let b = r.type_byte()?;
    val_type_of(b).ok_or_else(|| Error::malformed(at, "malformed value type"))
}

pub(crate) fn val_type_of(b: u8) -> Option<ValType> {
    Some(match b {
        0x7f => ValType::I32,
        0x7e => ValType::I64,
        0x7d => ValType::F32,
        0x7c => ValType::F64,
        0x7b => ValType::V128,
        0x70 => ValType::FuncRef,
        0x6f => ValType::ExternRef,
        _ => return None,
    })
}

/// A reference type byte.
pub(crate) fn ref_type(r: &mut Reader<'_>) -> Result<RefType, Error> {
    let at = r.offset();
    match r.type_byte()? {
        0x70 => Ok(RefType::FuncRef),
        0x6f => Ok(RefType::ExternRef),
        _ => Err(Error::malformed(at, "malformed reference type")),
    }
}

/// `0x40` (empty), a value type, or a non-negative s33 type index.
fn block_type(r: &mut Reader<'_>) -> Result<BlockType, Error> {
    let at = r.offset();
    match r.peek_u8() {
        Some(0x40) => {
            r.u8()?;
            Ok(BlockType::Empty)
        }
        Some(b) if b & 0xc0 == 0x40 => Ok(BlockType::Value(val_type(r)?)),
        _ => {
            let x = r.s33()?;
            if x < 0 {
                return Err(Error::malformed(at, "malformed block type"));
            }
            Ok(BlockType::Func(x as u32))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(bytes: &[u8]) -> Vec<Op> {
        let mut r = OpReader::new(bytes, 0);
        let mut v = Vec::new();
        while !r.is_end() {
            v.push(r.read().unwrap());
        }
        v
    }

    fn error(bytes: &[u8]) -> Error {
        let mut r = OpReader::new(bytes, 10);
        loop {
            if let Err(e) = r.read() {
                return e;
            }
        }
    }

    #[test]
    fn control_and_immediates() {
        let v = ops(&[
            0x02, 0x40, 0x03, 0x7f, 0x04, 0x05, 0x0c, 0x01, 0x0e, 0x02, 0x00, 0x01, 0x02, 0x11, 0x03, 0x01,
            0x1c, 0x01, 0x7b, 0x28, 0x02, 0x80, 0x01, 0x3f, 0x00, 0x41, 0x7f, 0x42, 0x80, 0x7f, 0x43, 0x00,
            0x00, 0x80, 0x3f, 0xd0, 0x6f, 0xd2, 0x07, 0x0b,
        ]);
        assert_eq!(
            v,
            vec![
                Op::Block(BlockType::Empty),
                Op::Loop(BlockType::Value(ValType::I32)),
                Op::If(BlockType::Func(5)),
                Op::Br(1),
                Op::BrTable { targets: vec![0, 1].into(), default: 2 },
                Op::CallIndirect { type_index: 3, table: 1 },
                Op::SelectTyped(ValType::V128),
                Op::I32Load(MemArg { align: 2, offset: 128, memory: 0 }),
                Op::MemorySize(0),
                Op::I32Const(-1),
                Op::I64Const(-128),
                Op::F32Const(0x3f80_0000),
                Op::RefNull(RefType::ExternRef),
                Op::RefFunc(7),
                Op::End,
            ]
        );
    }

    #[test]
    fn prefixed() {
        let v = ops(&[
            0xfc, 0x00, 0xfc, 0x08, 0x03, 0x00, 0xfc, 0x0a, 0x00, 0x00, 0xfc, 0x0c, 0x01, 0x02, 0xfc, 0x0e,
            0x01, 0x02, 0xfc, 0x11, 0x04, 0xfd, 0x0e, 0xfd, 0x15, 0x0f, 0xfd, 0x54, 0x00, 0x08, 0x03, 0xfd,
            0x5d, 0x03, 0x00, 0xfd, 0xba, 0x01, 0xfd, 0xff, 0x01,
        ]);
        assert_eq!(
            v,
            vec![
                Op::I32TruncSatF32S,
                Op::MemoryInit { data: 3, memory: 0 },
                Op::MemoryCopy { dst: 0, src: 0 },
                Op::TableInit { elem: 1, table: 2 },
                Op::TableCopy { dst: 1, src: 2 },
                Op::TableFill(4),
                Op::I8x16Swizzle,
                Op::I8x16ExtractLaneS(15),
                Op::V128Load8Lane { memarg: MemArg { align: 0, offset: 8, memory: 0 }, lane: 3 },
                Op::V128Load64Zero(MemArg { align: 3, offset: 0, memory: 0 }),
                Op::I32x4DotI16x8S,
                Op::F64x2ConvertLowI32x4U,
            ]
        );
        let mut shuffle = vec![0xfd, 0x0d];
        shuffle.extend(0..16u8);
        assert_eq!(ops(&shuffle), vec![Op::I8x16Shuffle(std::array::from_fn(|i| i as u8))]);
    }

    #[test]
    fn memory_indices_with_multi_memory() {
        let multi = Features { multi_memory: true };
        let bytes = [
            0x28, 0x42, 0x02, 0x10, // i32.load align=4 memory 2 offset 16
            0x36, 0x40, 0x81, 0x00, 0x00, // i32.store memory 1 (non-minimal LEB) offset 0
            0x3f, 0x80, 0x00, // memory.size 0 as a two-byte LEB128
            0x40, 0x03, // memory.grow 3
            0xfc, 0x08, 0x05, 0x01, // memory.init data 5 memory 1
            0xfc, 0x0a, 0x02, 0x01, // memory.copy 2 <- 1
            0xfc, 0x0b, 0x04, // memory.fill 4
            0xfd, 0x54, 0x40, 0x01, 0x08, 0x03, // v128.load8_lane memory 1 offset 8 lane 3
        ];
        let mut r = OpReader::new(&bytes, 0).with_features(multi);
        let mut v = Vec::new();
        while !r.is_end() {
            v.push(r.read().unwrap());
        }
        assert_eq!(
            v,
            vec![
                Op::I32Load(MemArg { align: 2, offset: 16, memory: 2 }),
                Op::I32Store(MemArg { align: 0, offset: 0, memory: 1 }),
                Op::MemorySize(0),
                Op::MemoryGrow(3),
                Op::MemoryInit { data: 5, memory: 1 },
                Op::MemoryCopy { dst: 2, src: 1 },
                Op::MemoryFill(4),
                Op::V128Load8Lane { memarg: MemArg { align: 0, offset: 8, memory: 1 }, lane: 3 },
            ]
        );
        let error = |bytes: &[u8]| OpReader::new(bytes, 0).with_features(multi).read().unwrap_err().message();
        // Flags of 128 and above are malformed; 32..64 decode (validation
        // rejects the alignment).
        assert_eq!(error(&[0x28, 0x80, 0x01, 0x00]), "malformed memop flags");
        let mut r = OpReader::new(&[0x28, 0x20, 0x00], 0).with_features(multi);
        assert_eq!(r.read().unwrap(), Op::I32Load(MemArg { align: 32, offset: 0, memory: 0 }));
        // Without the feature, Wasm 2.0's rules stand.
        let plain = |bytes: &[u8]| OpReader::new(bytes, 0).read().unwrap_err().message();
        assert_eq!(plain(&[0x28, 0x42, 0x02, 0x10]), "malformed memop flags (multi-memory is not enabled)");
        assert_eq!(plain(&[0x28, 0x80, 0x01, 0x00]), "malformed memop flags");
        assert_eq!(plain(&[0x3f, 0x80, 0x00]), "zero byte expected (multi-memory is not enabled)");
        assert_eq!(plain(&[0xfc, 0x0a, 0x00, 0x01]), "zero byte expected (multi-memory is not enabled)");
    }

    #[test]
    fn names() {
        assert_eq!(Op::I32Add.name(), "i32.add");
        assert_eq!(Op::BrTable { targets: Box::new([]), default: 0 }.name(), "br_table");
        assert_eq!(Op::SelectTyped(ValType::I32).name(), "select");
        assert_eq!(Op::I16x8ExtaddPairwiseI8x16S.name(), "i16x8.extadd_pairwise_i8x16_s");
        assert_eq!(Op::I32x4TruncSatF64x2UZero.name(), "i32x4.trunc_sat_f64x2_u_zero");
        assert_eq!(Op::V128Store64Lane { memarg: MemArg::default(), lane: 1 }.name(), "v128.store64_lane");
    }

    #[test]
    fn errors() {
        let e = error(&[0x01, 0x06]);
        assert_eq!(e, Error::malformed(11, "illegal opcode 0x06"));
        assert!(error(&[0xfd, 0x9a, 0x01]).message().starts_with("illegal opcode"));
        assert!(error(&[0xfc, 0x12]).message().starts_with("illegal opcode"));
        assert!(error(&[0x40, 0x80, 0x00]).message().starts_with("zero byte expected"));
        assert!(error(&[0xfc, 0x0b, 0x01]).message().starts_with("zero byte expected"));
        assert!(error(&[0x28, 0x20, 0x00]).message().starts_with("malformed memop flags"));
        assert_eq!(error(&[0xd0, 0x7f]).message(), "malformed reference type");
        assert_eq!(error(&[0x02, 0x50]).message(), "malformed value type");
        assert_eq!(error(&[0x41]).message(), "unexpected end of section or function");
        assert!(matches!(error(&[0x1c, 0x02, 0x7f, 0x7f]), Error::Invalid { .. }));
        assert!(matches!(error(&[0x1c, 0x00]), Error::Invalid { .. }));
        // After the arity error the reader stands after the instruction.
        let mut r = OpReader::new(&[0x1c, 0x00, 0x01], 0);
        assert!(r.read().is_err());
        assert_eq!(r.read().unwrap(), Op::Nop);
        assert!(r.is_end());
    }
}

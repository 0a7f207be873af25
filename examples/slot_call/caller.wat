;; The caller of examples/slot_call.rs: the same loop of N calls made four
;; ways. Rebuild: wat2wasm caller.wat -o caller.wasm
(module
  (type $t (func (param i32) (result i32)))
  (import "env" "inc" (func $inc (type $t)))
  (table 2 funcref)
  (elem (i32.const 1) $local_inc)
  (func $local_inc (type $t)
    (i32.add (local.get 0) (i32.const 1)))
  ;; `call` of a function of this module.
  (func (export "loop_local") (param $n i32) (result i32) (local $acc i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (call $local_inc (local.get $acc)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $acc))
  ;; `call` of the import (bound directly, or through a table slot).
  (func (export "loop_import") (param $n i32) (result i32) (local $acc i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (call $inc (local.get $acc)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $acc))
  ;; `call_indirect` through this module's table (a C function pointer).
  (func (export "loop_indirect") (param $n i32) (result i32) (local $acc i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (call_indirect (type $t) (local.get $acc) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (local.get $acc)))

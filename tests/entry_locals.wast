;; Declared locals are zero on entry, though a call zeroes only those the
;; code may read before writing them (see `Lowerer::entry_access`): each
;; function here reads a local after a path that may skip its write, right
;; after `$dirty` left other values in the same stack slots.
;; Run by tests/entry_locals.rs on both backends, which also checks the IR.

(module
  (func $dirty (param i32) (result i32) (local i32 i32 i32 i64)
    (local.set 1 (i32.const 77))
    (local.set 2 (i32.const 88))
    (local.set 3 (i32.const 99))
    (local.set 4 (i64.const -1))
    (i32.add (local.get 1) (i32.add (local.get 2) (local.get 3))))

  ;; Written only under an `if`.
  (func $under_if (param i32) (result i32) (local i32 i32)
    (if (local.get 0) (then (local.set 1 (i32.const 5))))
    (i32.add (local.get 1) (local.get 2)))

  ;; Written after a `br_if` that may skip it.
  (func $after_br_if (param i32) (result i32) (local i32 i32)
    (local.set 2 (i32.const 0))
    (block (br_if 0 (local.get 0)) (local.set 1 (i32.const 5)))
    (i32.add (local.get 1) (local.get 2)))

  ;; Read before written, in straight-line code and in a loop.
  (func $read_first (param i32) (result i32) (local i32 i32 i64)
    (local.set 2 (i32.add (local.get 1) (i32.const 1)))
    (local.set 1 (i32.const 9))
    (loop
      (local.set 3 (i64.add (local.get 3) (i64.const 1)))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br_if 0 (local.get 0)))
    (i32.add (i32.wrap_i64 (local.get 3)) (i32.add (local.get 1) (local.get 2))))

  ;; Written first (inside a block, before any branch): needs no zeroing.
  (func $written_first (param i32) (result i32) (local i32 i32)
    (block
      (local.set 1 (i32.const 3))
      (local.set 2 (local.get 0)))
    (if (local.get 2) (then (return (local.get 2))))
    (i32.add (local.get 1) (local.get 2)))

  (func (export "under_if") (param i32) (result i32)
    (drop (call $dirty (i32.const 1)))
    (call $under_if (local.get 0)))
  (func (export "after_br_if") (param i32) (result i32)
    (drop (call $dirty (i32.const 1)))
    (call $after_br_if (local.get 0)))
  (func (export "read_first") (param i32) (result i32)
    (drop (call $dirty (i32.const 1)))
    (call $read_first (local.get 0)))
  (func (export "written_first") (param i32) (result i32)
    (drop (call $dirty (i32.const 1)))
    (call $written_first (local.get 0)))
)

(assert_return (invoke "under_if" (i32.const 0)) (i32.const 0))
(assert_return (invoke "under_if" (i32.const 1)) (i32.const 5))
(assert_return (invoke "after_br_if" (i32.const 1)) (i32.const 0))
(assert_return (invoke "after_br_if" (i32.const 0)) (i32.const 5))
(assert_return (invoke "read_first" (i32.const 4)) (i32.const 14))
(assert_return (invoke "written_first" (i32.const 0)) (i32.const 3))
(assert_return (invoke "written_first" (i32.const 6)) (i32.const 6))

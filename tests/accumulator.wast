;; The accumulator across stores, branches not taken and loop heads (see
;; `Lowerer::heads`): loops whose head assumes the accumulator holds a local,
;; with every kind of branch back that keeps the assumption or breaks it.
;; Run by tests/accumulator.rs on both backends, which also checks the IR.

(module
  (memory 1)

  ;; The assumption holds: `j` is in the accumulator on entry (computed just
  ;; before) and on the branch back (computed, then compared).
  (func (export "fill") (param $n i32) (param $step i32) (result i32)
    (local $j i32) (local $sum i32)
    (local.set $j (i32.shl (local.get $step) (i32.const 1)))
    (block $out
      (br_if $out (i32.ge_u (local.get $j) (local.get $n)))
      (loop $top
        (i32.store8 (local.get $j) (i32.const 1))
        (local.set $j (i32.add (local.get $j) (local.get $step)))
        (br_if $top (i32.lt_u (local.get $j) (local.get $n)))))
    ;; count the bytes set
    (local.set $j (i32.const 0))
    (block $done
      (loop $count
        (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
        (local.set $sum (i32.add (local.get $sum) (i32.load8_u (local.get $j))))
        (i32.store8 (local.get $j) (i32.const 0))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $count)))
    (local.get $sum))

  ;; Broken on the branch back: the accumulator holds `$other` there.
  (func (export "broken") (param $n i32) (result i32)
    (local $i i32) (local $other i32)
    (local.set $i (i32.add (local.get $n) (i32.const 0)))
    (loop $top
      (local.set $other (i32.add (local.get $other) (local.get $i)))
      (local.set $i (i32.sub (local.get $i) (i32.const 1)))
      (local.set $other (i32.xor (local.get $other) (i32.const 0)))
      (br_if $top (local.get $i)))
    (local.get $other))

  ;; Broken by a copy into the local itself before the branch back.
  (func (export "copied") (param $n i32) (param $k i32) (result i32)
    (local $i i32) (local $acc i32)
    (local.set $i (i32.add (local.get $n) (i32.const 0)))
    (loop $top
      (local.set $acc (i32.add (local.get $acc) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const -1)))
      (if (i32.eq (local.get $i) (local.get $k))
        (then (local.set $i (i32.const 1))))
      (br_if $top (i32.gt_s (local.get $i) (i32.const 0))))
    (local.get $acc))

  ;; A branch back through `br_table`, and one through an unconditional `br`
  ;; with the accumulator elsewhere.
  (func (export "table") (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (local.set $i (i32.add (local.get $n) (i32.const 0)))
    (block $out
      (loop $top
        (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const 3)) (local.get $i)))
        (local.set $i (i32.sub (local.get $i) (i32.const 1)))
        (br_table $top $out (i32.eqz (local.get $i)))))
    (local.get $acc))

  ;; Nested loops: the inner one's entry rests on the outer head's
  ;; assumption, and the inner one branches to the outer head.
  (func (export "nested") (param $n i32) (result i32)
    (local $i i32) (local $j i32) (local $acc i32)
    (local.set $i (i32.add (local.get $n) (i32.const 0)))
    (loop $outer
      (local.set $j (i32.add (local.get $i) (i32.const 0)))
      (loop $inner
        (local.set $acc (i32.add (local.get $acc) (i32.mul (local.get $i) (local.get $j))))
        (local.set $j (i32.sub (local.get $j) (i32.const 1)))
        (if (i32.eqz (local.get $j))
          (then
            (local.set $i (i32.sub (local.get $i) (i32.const 1)))
            (br_if $outer (local.get $i))
            (return (local.get $acc))))
        (br $inner)))
    (unreachable))

  ;; An i64 induction variable, compared and stored.
  (func (export "wide") (param $n i64) (result i64)
    (local $i i64) (local $s i64)
    (local.set $i (i64.add (local.get $n) (i64.const 0)))
    (loop $top
      (i64.store (i32.wrap_i64 (i64.and (local.get $i) (i64.const 1016))) (local.get $i))
      (local.set $s (i64.add (local.get $s) (i64.load (i32.wrap_i64 (i64.and (local.get $i) (i64.const 1016))))))
      (local.set $i (i64.add (local.get $i) (i64.const -1)))
      (br_if $top (i64.ne (local.get $i) (i64.const 0))))
    (local.get $s))

  ;; Indexed accesses with the index in the accumulator.
  (func (export "indexed") (param $base i32) (param $n i32) (result i32)
    (local $i i32) (local $s i32)
    (local.set $i (i32.add (local.get $n) (i32.const 0)))
    (loop $top
      (i32.store (i32.add (local.get $i) (local.get $base)) (local.get $i))
      (local.set $s (i32.add (local.get $s) (i32.load (i32.add (local.get $i) (local.get $base)))))
      (local.set $i (i32.sub (local.get $i) (i32.const 4)))
      (br_if $top (i32.gt_s (local.get $i) (i32.const 0))))
    (local.get $s))
  ;; Copies from the accumulator (`local.tee` then `local.set`): both slots
  ;; hold its value until either is written. Here the first one is
  ;; overwritten, and must be read from its slot again.
  (func (export "copies") (param $n i32) (result i32)
    (local $i i32) (local $t i32) (local $r i32)
    (loop $top
      (local.set $i (local.tee $t (i32.add (local.get $i) (i32.const 1))))
      (local.set $t (i32.const 1000))
      (local.set $r (i32.add (local.get $r) (i32.add (local.get $t) (local.get $i))))
      (br_if $top (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $r))

  ;; The same with the copy's destination overwritten.
  (func (export "copies2") (param $x i32) (result i32)
    (local $a i32) (local $t i32)
    (local.set $a (local.tee $t (i32.mul (local.get $x) (i32.const 3))))
    (local.set $a (i32.const 5))
    (i32.sub (local.get $a) (local.get $t)))

  ;; A copy from the float accumulator.
  (func (export "fcopies") (param $x f64) (result f64)
    (local $a f64) (local $b f64)
    (local.set $b (local.tee $a (f64.mul (local.get $x) (f64.const 2))))
    (local.set $a (f64.const 1))
    (f64.add (local.get $b) (f64.mul (local.get $a) (local.get $b))))

  ;; A loop counter set through a copy: the head assumes the copy's
  ;; destination `$i`, which every branch back keeps.
  (func (export "counter") (param $n i32) (result i32)
    (local $i i32) (local $t i32)
    (local.set $i (local.tee $t (i32.add (local.get $n) (i32.const 0))))
    (loop $top
      (i32.store8 offset=512 (local.get $i) (i32.const 1))
      (local.set $i (local.tee $t (i32.add (local.get $i) (i32.const -1))))
      (br_if $top (local.get $i)))
    (i32.add
      (i32.add (i32.load8_u offset=512 (local.get $n)) (i32.load8_u offset=512 (i32.const 1)))
      (i32.add (i32.load8_u offset=512 (i32.const 0)) (local.get $t))))
)

(assert_return (invoke "fill" (i32.const 100) (i32.const 3)) (i32.const 32))
(assert_return (invoke "fill" (i32.const 100) (i32.const 7)) (i32.const 13))
(assert_return (invoke "fill" (i32.const 5) (i32.const 3)) (i32.const 0))
(assert_return (invoke "broken" (i32.const 10)) (i32.const 55))
(assert_return (invoke "broken" (i32.const 1)) (i32.const 1))
(assert_return (invoke "copied" (i32.const 10) (i32.const 5)) (i32.const 41))
(assert_return (invoke "copied" (i32.const 10) (i32.const 20)) (i32.const 55))
(assert_return (invoke "table" (i32.const 4)) (i32.const 142))
(assert_return (invoke "table" (i32.const 1)) (i32.const 1))
(assert_return (invoke "nested" (i32.const 3)) (i32.const 25))
(assert_return (invoke "nested" (i32.const 1)) (i32.const 1))
(assert_return (invoke "wide" (i64.const 200)) (i64.const 20100))
(assert_return (invoke "indexed" (i32.const 64) (i32.const 40)) (i32.const 220))
(assert_return (invoke "copies" (i32.const 10)) (i32.const 10055))
(assert_return (invoke "copies2" (i32.const 4)) (i32.const -7))
(assert_return (invoke "fcopies" (f64.const 3)) (f64.const 12))
(assert_return (invoke "counter" (i32.const 10)) (i32.const 2))

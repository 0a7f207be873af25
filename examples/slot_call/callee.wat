;; The callee of examples/slot_call.rs, in its own module (so calls to it
;; cross a module boundary). Rebuild: wat2wasm callee.wat -o callee.wasm
(module
  (func (export "inc") (param i32) (result i32)
    (i32.add (local.get 0) (i32.const 1))))

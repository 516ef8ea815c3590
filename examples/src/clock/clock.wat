;; example/clock: the wall clock and random numbers come from the host (WASI imports).
(module
  (import "wasi:clocks/wall-clock@0.2.3" "now" (func $now (param i32)))
  (import "wasi:random/random@0.2.3" "get-random-u64" (func $random (result i64)))
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
  (func (export "seconds") (result i64)
    (call $now (i32.const 64))
    (i64.load (i32.const 64)))
  (func (export "roll") (param $sides i32) (result i32)
    (if (i32.eqz (local.get $sides)) (then unreachable))
    (i32.add (i32.const 1) (i32.wrap_i64 (i64.rem_u (call $random) (i64.extend_i32_u (local.get $sides))))))
)

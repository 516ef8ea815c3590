;; example/clock: the wall clock and random numbers come from the host (WASI imports).
;; now() returns a datetime record (u64 seconds, u32 nanoseconds: 16 bytes, align 8), so its lowered
;; form takes a pointer where the host writes it; nothing crosses as a string or list, so no
;; cabi_realloc is needed (wit-component asks for one only when something must be allocated).
(module
  (import "wasi:clocks/wall-clock@0.2.3" "now" (func $now (param i32)))
  (import "wasi:random/random@0.2.3" "get-random-u64" (func $random (result i64)))
  (memory (export "memory") 1)
  (func (export "seconds") (result i64)
    (call $now (i32.const 64))
    (i64.load (i32.const 64)))
  (func (export "roll") (param $sides i32) (result i32)
    (if (i32.eqz (local.get $sides)) (then unreachable))
    (i32.add (i32.const 1) (i32.wrap_i64 (i64.rem_u (call $random) (i64.extend_i32_u (local.get $sides))))))
)

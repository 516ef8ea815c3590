;; example/calculator: the canonical ABI by hand. Static data below 64, a fixed return area at
;; 64, and a bump heap from 1024 that every post-return resets (the host has read the results).
(module
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 1024))
  (data (i32.const 0) "division by zero")
  (data (i32.const 16) "overflow")

  (func $realloc (export "cabi_realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $p i32) (local $end i32)
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get $align))))
    (local.set $end (i32.add (local.get $p) (local.get $size)))
    (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
      (then (if (i32.eq (memory.grow (i32.add (i32.shr_u (i32.sub (local.get $end) (i32.mul (memory.size) (i32.const 65536))) (i32.const 16)) (i32.const 1))) (i32.const -1))
        (then unreachable))))
    (global.set $heap (local.get $end))
    (local.get $p))
  (func $reset (global.set $heap (i32.const 1024)))

  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))

  (func (export "div") (param $a i32) (param $b i32) (result i32)
    (if (i32.eqz (local.get $b)) (then
      (i32.store8 (i32.const 64) (i32.const 1)) (i32.store (i32.const 68) (i32.const 0)) (i32.store (i32.const 72) (i32.const 16))
      (return (i32.const 64))))
    (if (i32.and (i32.eq (local.get $a) (i32.const 0x80000000)) (i32.eq (local.get $b) (i32.const -1))) (then
      (i32.store8 (i32.const 64) (i32.const 1)) (i32.store (i32.const 68) (i32.const 16)) (i32.store (i32.const 72) (i32.const 8))
      (return (i32.const 64))))
    (i32.store8 (i32.const 64) (i32.const 0))
    (i32.store (i32.const 68) (i32.div_s (local.get $a) (local.get $b)))
    (i32.const 64))

  (func (export "translate") (param $x i32) (param $y i32) (param $dx i32) (param $dy i32) (result i32)
    (i32.store (i32.const 64) (i32.add (local.get $x) (local.get $dx)))
    (i32.store (i32.const 68) (i32.add (local.get $y) (local.get $dy)))
    (i32.const 64))

  (func (export "sum-list") (param $ptr i32) (param $len i32) (result i64)
    (local $i i32) (local $acc i64)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
      (local.set $acc (i64.add (local.get $acc) (i64.load (i32.add (local.get $ptr) (i32.shl (local.get $i) (i32.const 3))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (local.get $acc))
  (func (export "cabi_post_sum-list") (param i64) (call $reset))

  (func (export "first") (param $ptr i32) (param $len i32) (result i32)
    (if (i32.eqz (local.get $len))
      (then (i32.store8 (i32.const 64) (i32.const 0)))
      (else (i32.store8 (i32.const 64) (i32.const 1)) (i32.store (i32.const 68) (i32.load (local.get $ptr)))))
    (i32.const 64))
  (func (export "cabi_post_first") (param i32) (call $reset))

  (func (export "or-zero") (param $some i32) (param $v i32) (result i32)
    (select (local.get $v) (i32.const 0) (local.get $some)))

  (func (export "min-max") (param $ptr i32) (param $len i32) (result i32)
    (local $i i32) (local $v i32) (local $min i32) (local $max i32)
    (if (local.get $len) (then
      (local.set $min (i32.load (local.get $ptr)))
      (local.set $max (local.get $min))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
      (local.set $v (i32.load (i32.add (local.get $ptr) (i32.shl (local.get $i) (i32.const 2)))))
      (if (i32.lt_s (local.get $v) (local.get $min)) (then (local.set $min (local.get $v))))
      (if (i32.gt_s (local.get $v) (local.get $max)) (then (local.set $max (local.get $v))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (i32.store (i32.const 64) (local.get $min))
    (i32.store (i32.const 68) (local.get $max))
    (i32.const 64))
  (func (export "cabi_post_min-max") (param i32) (call $reset))

  ;; The string stays where the host put it; post-return frees it with the rest of the heap.
  (func (export "swap") (param $ptr i32) (param $len i32) (param $n i32) (result i32)
    (i32.store (i32.const 64) (local.get $n))
    (i32.store (i32.const 68) (local.get $ptr))
    (i32.store (i32.const 72) (local.get $len))
    (i32.const 64))
  (func (export "cabi_post_swap") (param i32) (call $reset))

  ;; shape flattens to (case, i64 = circle's f64 bits or rectangle's x, i32 = rectangle's y).
  (func (export "area") (param $case i32) (param $a i64) (param $y i32) (result f64)
    (if (result f64) (i32.eqz (local.get $case))
      (then (f64.mul (f64.const 3.141592653589793) (f64.mul (f64.reinterpret_i64 (local.get $a)) (f64.reinterpret_i64 (local.get $a)))))
      (else (f64.mul (f64.convert_i32_s (i32.wrap_i64 (local.get $a))) (f64.convert_i32_s (local.get $y))))))

  ;; In memory a shape is the case byte at 0 and the payload at 8 (f64 alignment).
  (func (export "scale") (param $case i32) (param $a i64) (param $y i32) (param $f f64) (result i32)
    (i32.store8 (i32.const 64) (local.get $case))
    (if (i32.eqz (local.get $case))
      (then (f64.store (i32.const 72) (f64.mul (f64.reinterpret_i64 (local.get $a)) (local.get $f))))
      (else
        (i32.store (i32.const 72) (i32.trunc_sat_f64_s (f64.mul (f64.convert_i32_s (i32.wrap_i64 (local.get $a))) (local.get $f))))
        (i32.store (i32.const 76) (i32.trunc_sat_f64_s (f64.mul (f64.convert_i32_s (local.get $y)) (local.get $f))))))
    (i32.const 64))

  (func (export "next-color") (param $c i32) (result i32)
    (i32.rem_u (i32.add (local.get $c) (i32.const 1)) (i32.const 3)))

  (func (export "toggle-exec") (param $p i32) (result i32)
    (i32.xor (local.get $p) (i32.const 4)))

  (func (export "reverse-bytes") (param $ptr i32) (param $len i32) (result i32)
    (local $out i32) (local $i i32)
    (local.set $out (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (local.get $len)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
      (i32.store8 (i32.add (local.get $out) (local.get $i))
        (i32.load8_u (i32.sub (i32.add (local.get $ptr) (local.get $len)) (i32.add (local.get $i) (i32.const 1)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (i32.store (i32.const 64) (local.get $out))
    (i32.store (i32.const 68) (local.get $len))
    (i32.const 64))
  (func (export "cabi_post_reverse-bytes") (param i32) (call $reset))

  (func (export "clamp-u8") (param $v i32) (result i32)
    (if (i32.lt_s (local.get $v) (i32.const 0)) (then (return (i32.const 0))))
    (if (i32.gt_s (local.get $v) (i32.const 255)) (then (return (i32.const 255))))
    (local.get $v))

  (func (export "is-even") (param $v i64) (result i32)
    (i64.eqz (i64.and (local.get $v) (i64.const 1))))

  (func (export "crash") (result i32) unreachable)

  (func (export "countdown") (param $n i32) (result i32)
    (local $out i32) (local $i i32)
    (if (i32.gt_u (local.get $n) (i32.const 10000)) (then unreachable))
    (local.set $out (call $realloc (i32.const 0) (i32.const 0) (i32.const 4) (i32.shl (local.get $n) (i32.const 2))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (i32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))) (i32.sub (local.get $n) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (i32.store (i32.const 64) (local.get $out))
    (i32.store (i32.const 68) (local.get $n))
    (i32.const 64))
  (func (export "cabi_post_countdown") (param i32) (call $reset))

  ;; Burns CPU for `iterations` rounds; 0 means forever (for invoke-timeout tests).
  (func (export "spin") (param $n i64) (result i64)
    (local $i i64)
    (block $done (loop $next
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $done (i64.eq (local.get $i) (local.get $n)))
      (br $next)))
    (local.get $i))
)

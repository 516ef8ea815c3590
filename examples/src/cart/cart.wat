;; example/cart: a durable agent whose state is a table in linear memory, the canonical ABI by hand.
;;
;; Memory:   0 ..    64  static strings
;;          64 ..    96  the return area (results too big for flat values)
;;        1024 .. 66560  the cart: 256 lines of 256 bytes, in insertion order, $count in use
;;       66560 .. 132096  a second table: load builds the snapshot's cart here, then copies it over
;;      132096 ..         the bump heap (cabi_realloc, and lists returned); post-return resets it
;; A line: +0 sku length (u32), +4 qty (u32), +8 price-cents (u64), +16 the sku (240 bytes at most).
;; Results point into the table where they can (skus of find and items): the host copies them
;; out before the next call.
(module
  (memory (export "memory") 3)
  (global $count (mut i32) (i32.const 0))
  (global $heap (mut i32) (i32.const 132096))
  (global $overflow (mut i32) (i32.const 0))
  (data (i32.const 0) "cart is empty")
  (data (i32.const 16) "total overflows u64")
  (data (i32.const 40) "malformed snapshot")

  (func $realloc (export "cabi_realloc") (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $p i32) (local $end i32) (local $pages i64)
    (local.set $p (i32.and (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
                           (i32.sub (i32.const 0) (local.get $align))))
    (local.set $end (i32.add (local.get $p) (local.get $size)))
    (if (i32.lt_u (local.get $end) (global.get $heap)) (then unreachable)) ;; past 4 GiB
    (local.set $pages (i64.shr_u (i64.add (i64.extend_i32_u (local.get $end)) (i64.const 0xffff)) (i64.const 16)))
    (if (i64.gt_u (local.get $pages) (i64.extend_i32_u (memory.size)))
      (then (if (i32.eq (memory.grow (i32.sub (i32.wrap_i64 (local.get $pages)) (memory.size))) (i32.const -1))
        (then unreachable))))
    ;; A real realloc: what the block held comes along (a bump heap never frees it).
    (if (local.get $old) (then
      (memory.copy (local.get $p) (local.get $old)
        (select (local.get $old_size) (local.get $size) (i32.lt_u (local.get $old_size) (local.get $size))))))
    (global.set $heap (local.get $end))
    (local.get $p))
  (func $reset (global.set $heap (i32.const 132096)))

  (func $line (param $table i32) (param $i i32) (result i32)
    (i32.add (local.get $table) (i32.shl (local.get $i) (i32.const 8))))

  ;; The index of the line of $table[0 .. $n) whose sku is the $len bytes at $ptr, or -1.
  (func $lookup (param $table i32) (param $n i32) (param $ptr i32) (param $len i32) (result i32)
    (local $i i32) (local $l i32) (local $j i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $l (call $line (local.get $table) (local.get $i)))
      (if (i32.eq (i32.load (local.get $l)) (local.get $len)) (then
        (local.set $j (i32.const 0))
        (block $differ (loop $byte
          (if (i32.ge_u (local.get $j) (local.get $len)) (then (return (local.get $i))))
          (br_if $differ (i32.ne (i32.load8_u offset=16 (i32.add (local.get $l) (local.get $j)))
                                 (i32.load8_u (i32.add (local.get $ptr) (local.get $j)))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $byte)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (i32.const -1))

  (func $put (param $table i32) (param $i i32) (param $ptr i32) (param $len i32) (param $qty i32) (param $price i64)
    (local $l i32)
    (local.set $l (call $line (local.get $table) (local.get $i)))
    (i32.store (local.get $l) (local.get $len))
    (i32.store offset=4 (local.get $l) (local.get $qty))
    (i64.store offset=8 (local.get $l) (local.get $price))
    (memory.copy (i32.add (local.get $l) (i32.const 16)) (local.get $ptr) (local.get $len)))

  ;; The sum of qty * price over the cart; sets $overflow when it does not fit 64 bits.
  (func $sum (result i64)
    (local $i i32) (local $l i32) (local $q i64) (local $p i64) (local $acc i64) (local $next i64)
    (global.set $overflow (i32.const 0))
    (block $done (loop $more
      (br_if $done (i32.ge_u (local.get $i) (global.get $count)))
      (local.set $l (call $line (i32.const 1024) (local.get $i)))
      (local.set $q (i64.extend_i32_u (i32.load offset=4 (local.get $l))))
      (local.set $p (i64.load offset=8 (local.get $l)))
      (if (i64.ne (local.get $p) (i64.const 0)) (then
        (if (i64.gt_u (local.get $q) (i64.div_u (i64.const -1) (local.get $p))) (then (global.set $overflow (i32.const 1))))))
      (local.set $next (i64.add (local.get $acc) (i64.mul (local.get $q) (local.get $p))))
      (if (i64.lt_u (local.get $next) (local.get $acc)) (then (global.set $overflow (i32.const 1))))
      (local.set $acc (local.get $next))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $more)))
    (local.get $acc))

  ;; result<_, cart-error> and result<u32, cart-error> in the return area: case byte at 64,
  ;; payload at 68; cart-error's own case byte at 68 and its payload at 72.
  (func $err (param $case i32) (param $a i32) (param $b i32) (result i32)
    (i32.store8 (i32.const 64) (i32.const 1))
    (i32.store8 (i32.const 68) (local.get $case))
    (i32.store (i32.const 72) (local.get $a))
    (i32.store (i32.const 76) (local.get $b))
    (i32.const 64))

  ;; item flattens to (sku ptr, sku len, qty, price-cents).
  (func (export "add-item") (param $ptr i32) (param $len i32) (param $qty i32) (param $price i64) (result i32)
    (local $i i32) (local $l i32) (local $sum i32)
    (if (i32.eqz (local.get $qty)) (then (return (call $err (i32.const 1) (i32.const 0) (i32.const 0)))))
    (if (i32.gt_u (local.get $len) (i32.const 240)) (then (return (call $err (i32.const 2) (local.get $len) (i32.const 0)))))
    (local.set $i (call $lookup (i32.const 1024) (global.get $count) (local.get $ptr) (local.get $len)))
    (if (i32.ge_s (local.get $i) (i32.const 0))
      (then
        (local.set $l (call $line (i32.const 1024) (local.get $i)))
        (local.set $sum (i32.add (i32.load offset=4 (local.get $l)) (local.get $qty)))
        (if (i32.lt_u (local.get $sum) (local.get $qty)) (then (return (call $err (i32.const 1) (local.get $qty) (i32.const 0)))))
        (i32.store offset=4 (local.get $l) (local.get $sum))
        (i64.store offset=8 (local.get $l) (local.get $price)))
      (else
        (if (i32.ge_u (global.get $count) (i32.const 256)) (then (return (call $err (i32.const 3) (i32.const 0) (i32.const 0)))))
        (call $put (i32.const 1024) (global.get $count) (local.get $ptr) (local.get $len) (local.get $qty) (local.get $price))
        (global.set $count (i32.add (global.get $count) (i32.const 1)))))
    (i32.store8 (i32.const 64) (i32.const 0))
    (i32.store (i32.const 68) (global.get $count))
    (i32.const 64))
  (func (export "cabi_post_add-item") (param i32) (call $reset))

  ;; An unknown sku's error echoes the argument, where the host put it (post-return frees it).
  (func (export "remove-item") (param $ptr i32) (param $len i32) (result i32)
    (local $i i32) (local $l i32)
    (local.set $i (call $lookup (i32.const 1024) (global.get $count) (local.get $ptr) (local.get $len)))
    (if (i32.lt_s (local.get $i) (i32.const 0)) (then (return (call $err (i32.const 0) (local.get $ptr) (local.get $len)))))
    (local.set $l (call $line (i32.const 1024) (local.get $i)))
    (memory.copy (local.get $l) (i32.add (local.get $l) (i32.const 256))
      (i32.shl (i32.sub (i32.sub (global.get $count) (local.get $i)) (i32.const 1)) (i32.const 8)))
    (global.set $count (i32.sub (global.get $count) (i32.const 1)))
    (i32.store8 (i32.const 64) (i32.const 0))
    (i32.const 64))
  (func (export "cabi_post_remove-item") (param i32) (call $reset))

  ;; option<item>: case byte at 64, the item at 72 (u64 alignment): sku 72/76, qty 80, price 88.
  (func (export "find") (param $ptr i32) (param $len i32) (result i32)
    (local $i i32) (local $l i32)
    (local.set $i (call $lookup (i32.const 1024) (global.get $count) (local.get $ptr) (local.get $len)))
    (if (i32.lt_s (local.get $i) (i32.const 0)) (then
      (i32.store8 (i32.const 64) (i32.const 0))
      (return (i32.const 64))))
    (local.set $l (call $line (i32.const 1024) (local.get $i)))
    (i32.store8 (i32.const 64) (i32.const 1))
    (i32.store (i32.const 72) (i32.add (local.get $l) (i32.const 16)))
    (i32.store (i32.const 76) (i32.load (local.get $l)))
    (i32.store (i32.const 80) (i32.load offset=4 (local.get $l)))
    (i64.store (i32.const 88) (i64.load offset=8 (local.get $l)))
    (i32.const 64))
  (func (export "cabi_post_find") (param i32) (call $reset))

  ;; list<item>: 24 bytes an element (sku ptr, sku len, qty, 4 bytes padding, price), 8-aligned.
  (func (export "items") (result i32)
    (local $out i32) (local $i i32) (local $l i32) (local $e i32)
    (call $reset)
    (local.set $out (call $realloc (i32.const 0) (i32.const 0) (i32.const 8) (i32.mul (global.get $count) (i32.const 24))))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (global.get $count)))
      (local.set $l (call $line (i32.const 1024) (local.get $i)))
      (local.set $e (i32.add (local.get $out) (i32.mul (local.get $i) (i32.const 24))))
      (i32.store (local.get $e) (i32.add (local.get $l) (i32.const 16)))
      (i32.store offset=4 (local.get $e) (i32.load (local.get $l)))
      (i32.store offset=8 (local.get $e) (i32.load offset=4 (local.get $l)))
      (i64.store offset=16 (local.get $e) (i64.load offset=8 (local.get $l)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (i32.store (i32.const 64) (local.get $out))
    (i32.store (i32.const 68) (global.get $count))
    (i32.const 64))
  (func (export "cabi_post_items") (param i32) (call $reset))

  (func (export "total") (result i64)
    (local $t i64)
    (local.set $t (call $sum))
    (select (i64.const -1) (local.get $t) (global.get $overflow)))

  ;; result<u64, string>: case byte at 64, the u64 or the string (ptr, len) at 72.
  (func (export "checkout") (result i32)
    (local $t i64)
    (if (i32.eqz (global.get $count)) (then
      (i32.store8 (i32.const 64) (i32.const 1))
      (i32.store (i32.const 72) (i32.const 0))
      (i32.store (i32.const 76) (i32.const 13))
      (return (i32.const 64))))
    (local.set $t (call $sum))
    (if (global.get $overflow) (then
      (i32.store8 (i32.const 64) (i32.const 1))
      (i32.store (i32.const 72) (i32.const 16))
      (i32.store (i32.const 76) (i32.const 19))
      (return (i32.const 64))))
    (global.set $count (i32.const 0))
    (i32.store8 (i32.const 64) (i32.const 0))
    (i64.store (i32.const 72) (local.get $t))
    (i32.const 64))

  ;; "CART", u32 lines, then per line: u32 sku length, the sku, u32 qty, u64 price (little-endian).
  (func (export "golem:api/save-snapshot@1.1.7#save") (result i32)
    (local $size i32) (local $out i32) (local $at i32) (local $i i32) (local $l i32) (local $len i32)
    (call $reset)
    (local.set $size (i32.const 8))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (global.get $count)))
      (local.set $size (i32.add (local.get $size)
        (i32.add (i32.load (call $line (i32.const 1024) (local.get $i))) (i32.const 16))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (local.set $out (call $realloc (i32.const 0) (i32.const 0) (i32.const 1) (local.get $size)))
    (i32.store (local.get $out) (i32.const 0x54524143)) ;; "CART"
    (i32.store offset=4 (local.get $out) (global.get $count))
    (local.set $at (i32.add (local.get $out) (i32.const 8)))
    (local.set $i (i32.const 0))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (global.get $count)))
      (local.set $l (call $line (i32.const 1024) (local.get $i)))
      (local.set $len (i32.load (local.get $l)))
      (i32.store (local.get $at) (local.get $len))
      (memory.copy (i32.add (local.get $at) (i32.const 4)) (i32.add (local.get $l) (i32.const 16)) (local.get $len))
      (local.set $at (i32.add (i32.add (local.get $at) (i32.const 4)) (local.get $len)))
      (i32.store (local.get $at) (i32.load offset=4 (local.get $l)))
      (i64.store offset=4 (local.get $at) (i64.load offset=8 (local.get $l)))
      (local.set $at (i32.add (local.get $at) (i32.const 12)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (i32.store (i32.const 64) (local.get $out))
    (i32.store (i32.const 68) (local.get $size))
    (i32.const 64))
  (func (export "cabi_post_golem:api/save-snapshot@1.1.7#save") (param i32) (call $reset))

  ;; 1 when the $n bytes at $p are UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF).
  (func $utf8 (param $p i32) (param $n i32) (result i32)
    (local $end i32) (local $b i32) (local $need i32) (local $min i32) (local $cp i32) (local $c i32)
    (local.set $end (i32.add (local.get $p) (local.get $n)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $b (i32.load8_u (local.get $p)))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (if (i32.ge_u (local.get $b) (i32.const 0x80)) (then
        (if (i32.eq (i32.and (local.get $b) (i32.const 0xe0)) (i32.const 0xc0))
          (then (local.set $need (i32.const 1)) (local.set $cp (i32.and (local.get $b) (i32.const 0x1f))) (local.set $min (i32.const 0x80)))
          (else (if (i32.eq (i32.and (local.get $b) (i32.const 0xf0)) (i32.const 0xe0))
            (then (local.set $need (i32.const 2)) (local.set $cp (i32.and (local.get $b) (i32.const 0x0f))) (local.set $min (i32.const 0x800)))
            (else (if (i32.eq (i32.and (local.get $b) (i32.const 0xf8)) (i32.const 0xf0))
              (then (local.set $need (i32.const 3)) (local.set $cp (i32.and (local.get $b) (i32.const 0x07))) (local.set $min (i32.const 0x10000)))
              (else (return (i32.const 0))))))))
        (if (i32.lt_u (i32.sub (local.get $end) (local.get $p)) (local.get $need)) (then (return (i32.const 0))))
        (block $cont (loop $more
          (br_if $cont (i32.eqz (local.get $need)))
          (local.set $c (i32.load8_u (local.get $p)))
          (if (i32.ne (i32.and (local.get $c) (i32.const 0xc0)) (i32.const 0x80)) (then (return (i32.const 0))))
          (local.set $cp (i32.or (i32.shl (local.get $cp) (i32.const 6)) (i32.and (local.get $c) (i32.const 0x3f))))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (local.set $need (i32.sub (local.get $need) (i32.const 1)))
          (br $more)))
        (if (i32.lt_u (local.get $cp) (local.get $min)) (then (return (i32.const 0))))
        (if (i32.gt_u (local.get $cp) (i32.const 0x10ffff)) (then (return (i32.const 0))))
        (if (i32.eq (i32.and (local.get $cp) (i32.const 0xfffff800)) (i32.const 0xd800)) (then (return (i32.const 0))))))
      (br $next)))
    (i32.const 1))

  ;; Builds the snapshot's cart in the second table and copies it over only when every byte
  ;; checked out: a refused snapshot leaves the cart as it was (taho then replays the whole oplog).
  (func (export "golem:api/load-snapshot@1.1.7#load") (param $ptr i32) (param $len i32) (result i32)
    (local $end i32) (local $at i32) (local $n i32) (local $i i32) (local $sl i32) (local $qty i32)
    (local.set $end (i32.add (local.get $ptr) (local.get $len)))
    (block $bad
      (br_if $bad (i32.lt_u (local.get $len) (i32.const 8)))
      (br_if $bad (i32.ne (i32.load (local.get $ptr)) (i32.const 0x54524143)))
      (local.set $n (i32.load offset=4 (local.get $ptr)))
      (br_if $bad (i32.gt_u (local.get $n) (i32.const 256)))
      (local.set $at (i32.add (local.get $ptr) (i32.const 8)))
      (block $done (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (br_if $bad (i32.lt_u (i32.sub (local.get $end) (local.get $at)) (i32.const 4)))
        (local.set $sl (i32.load (local.get $at)))
        (local.set $at (i32.add (local.get $at) (i32.const 4)))
        (br_if $bad (i32.gt_u (local.get $sl) (i32.const 240)))
        (br_if $bad (i32.lt_u (i32.sub (local.get $end) (local.get $at)) (i32.add (local.get $sl) (i32.const 12))))
        (br_if $bad (i32.eqz (call $utf8 (local.get $at) (local.get $sl))))
        (br_if $bad (i32.ge_s (call $lookup (i32.const 66560) (local.get $i) (local.get $at) (local.get $sl)) (i32.const 0)))
        (local.set $qty (i32.load (i32.add (local.get $at) (local.get $sl))))
        (br_if $bad (i32.eqz (local.get $qty)))
        (call $put (i32.const 66560) (local.get $i) (local.get $at) (local.get $sl) (local.get $qty)
          (i64.load offset=4 (i32.add (local.get $at) (local.get $sl))))
        (local.set $at (i32.add (i32.add (local.get $at) (local.get $sl)) (i32.const 12)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
      (br_if $bad (i32.ne (local.get $at) (local.get $end)))
      (memory.copy (i32.const 1024) (i32.const 66560) (i32.shl (local.get $n) (i32.const 8)))
      (global.set $count (local.get $n))
      (i32.store8 (i32.const 64) (i32.const 0))
      (return (i32.const 64)))
    (i32.store8 (i32.const 64) (i32.const 1))
    (i32.store (i32.const 68) (i32.const 40))
    (i32.store (i32.const 72) (i32.const 18))
    (i32.const 64))
  (func (export "cabi_post_golem:api/load-snapshot@1.1.7#load") (param i32) (call $reset))
)

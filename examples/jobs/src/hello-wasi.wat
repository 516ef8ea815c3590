;; hello-wasi: a WASI preview1 command module, the example job for the wasm engine.
;;
;;   (no mode arg)  stdout "hello from wasm job <args…>" and "hello, $NAME!" (NAME unset: world),
;;                  a line on stderr, /outputs/result.txt = "result: ok for <NAME>"; exit 0
;;   fail           exit 3 before doing anything
;;   loop           spin forever (for timeout and abort tests)
;;   spin           busy for a second or two, then as without arguments (a job to watch running)
;;   trap           execute `unreachable`
;;   grow           grow memory by 100 pages (6.25 MiB): exit 7 if refused, 0 if granted
;;   close          close its stdout and stderr first, then carry on as with no mode arg
;;   escape         try to open ../../etc/passwd and /etc/passwd through the /outputs preopen:
;;                  exit 4 when both are refused (the sandbox holds), 0 if either opens
;;
;; Exit 5/6 mean /outputs was not preopened or result.txt could not be created.
;; Hand-written rather than compiled so the example stays a few hundred bytes and needs no toolchain.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $fd_prestat_dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))

  ;; 0..511 constant strings, 512..1023 scratch for WASI out-params, 1024..1279 a preopen's name,
  ;; 4096.. argv then environ (pointer arrays followed by their string buffers).
  (memory (export "memory") 2)
  (data (i32.const 0) "hello from wasm job")
  (data (i32.const 32) "\0a ")
  (data (i32.const 40) "hello, ")
  (data (i32.const 48) "!\0a")
  (data (i32.const 56) "NAME")
  (data (i32.const 64) "world")
  (data (i32.const 72) "fail")
  (data (i32.const 80) "loop")
  (data (i32.const 88) "escape")
  (data (i32.const 96) "/outputs")
  (data (i32.const 112) "result.txt")
  (data (i32.const 128) "../../etc/passwd")
  (data (i32.const 144) "trap")
  (data (i32.const 152) "grow")
  (data (i32.const 160) "a line on stderr from the wasm job\0a")
  (data (i32.const 208) "result: ok for ")
  (data (i32.const 248) "close")
  (data (i32.const 256) "spin")

  (global $envc (mut i32) (i32.const 0))
  (global $envv (mut i32) (i32.const 0))

  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 512) (local.get $ptr))
    (i32.store (i32.const 516) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 512) (i32.const 1) (i32.const 520))))

  (func $strlen (param $p i32) (result i32)
    (local $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $p) (local.get $n)))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $n))

  (func $eq (param $a i32) (param $alen i32) (param $b i32) (param $blen i32) (result i32)
    (local $i i32)
    (if (i32.ne (local.get $alen) (local.get $blen)) (then (return (i32.const 0))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $alen)))
        (if (i32.ne (i32.load8_u (i32.add (local.get $a) (local.get $i)))
                    (i32.load8_u (i32.add (local.get $b) (local.get $i))))
          (then (return (i32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const 1))

  ;; The value of environment variable name (a NUL-terminated string), or 0 when it is unset.
  (func $getenv (param $name i32) (param $nlen i32) (result i32)
    (local $i i32) (local $e i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (global.get $envc)))
        (local.set $e (i32.load (i32.add (global.get $envv) (i32.shl (local.get $i) (i32.const 2)))))
        (if (i32.and (call $eq (local.get $e) (local.get $nlen) (local.get $name) (local.get $nlen))
                     (i32.eq (i32.load8_u (i32.add (local.get $e) (local.get $nlen))) (i32.const 61)))
          (then (return (i32.add (local.get $e) (i32.add (local.get $nlen) (i32.const 1))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (i32.const 0))

  ;; The fd of the preopened directory with this guest name, or -1. Preopens are fds 3, 4, …
  ;; until fd_prestat_get fails; their order is the host's business, so look them up by name.
  (func $find_preopen (param $name i32) (param $nlen i32) (result i32)
    (local $fd i32) (local $dlen i32)
    (local.set $fd (i32.const 3))
    (loop $next
      (if (call $fd_prestat_get (local.get $fd) (i32.const 528)) (then (return (i32.const -1))))
      (local.set $dlen (i32.load (i32.const 532)))
      (if (i32.and (i32.eqz (i32.load8_u (i32.const 528))) (i32.le_u (local.get $dlen) (i32.const 256)))
        (then
          (drop (call $fd_prestat_dir_name (local.get $fd) (i32.const 1024) (local.get $dlen)))
          (if (call $eq (i32.const 1024) (local.get $dlen) (local.get $name) (local.get $nlen))
            (then (return (local.get $fd))))))
      (local.set $fd (i32.add (local.get $fd) (i32.const 1)))
      (br $next))
    (i32.const -1))

  ;; Exit 0 if path (relative to the /outputs preopen) can be opened for reading, else carry on.
  (func $try_open (param $dir i32) (param $path i32) (param $len i32)
    (if (i32.eqz (call $path_open (local.get $dir) (i32.const 1) (local.get $path) (local.get $len)
                       (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 524)))
      (then (call $proc_exit (i32.const 0)))))

  (func (export "_start")
    (local $argc i32) (local $argv i32) (local $heap i32) (local $i i32) (local $a i32) (local $alen i32)
    (local $name i32) (local $nlen i32) (local $out i32) (local $fd i32) (local $spin i64)
    (drop (call $args_sizes_get (i32.const 536) (i32.const 540)))
    (local.set $argc (i32.load (i32.const 536)))
    (local.set $argv (i32.const 4096))
    (local.set $heap (i32.add (local.get $argv) (i32.shl (local.get $argc) (i32.const 2))))
    (drop (call $args_get (local.get $argv) (local.get $heap)))
    (local.set $heap (i32.and (i32.add (i32.add (local.get $heap) (i32.load (i32.const 540))) (i32.const 3))
                              (i32.const -4)))
    (drop (call $environ_sizes_get (i32.const 544) (i32.const 548)))
    (global.set $envc (i32.load (i32.const 544)))
    (global.set $envv (local.get $heap))
    (drop (call $environ_get (local.get $heap)
                (i32.add (local.get $heap) (i32.shl (global.get $envc) (i32.const 2)))))

    (if (i32.gt_u (local.get $argc) (i32.const 1))
      (then
        (local.set $a (i32.load (i32.add (local.get $argv) (i32.const 4))))
        (local.set $alen (call $strlen (local.get $a)))
        (if (call $eq (local.get $a) (local.get $alen) (i32.const 72) (i32.const 4))
          (then (call $proc_exit (i32.const 3))))
        (if (call $eq (local.get $a) (local.get $alen) (i32.const 80) (i32.const 4))
          (then (loop $forever (br $forever))))
        (if (call $eq (local.get $a) (local.get $alen) (i32.const 144) (i32.const 4))
          (then unreachable))
        (if (call $eq (local.get $a) (local.get $alen) (i32.const 256) (i32.const 4))
          (then
            (local.set $spin (i64.const 3000000000))
            (block $spun (loop $more
              (br_if $spun (i64.eqz (local.get $spin)))
              (local.set $spin (i64.sub (local.get $spin) (i64.const 1)))
              (br $more)))))
        (if (call $eq (local.get $a) (local.get $alen) (i32.const 152) (i32.const 4))
          (then (call $proc_exit (select (i32.const 7) (i32.const 0)
                                         (i32.eq (memory.grow (i32.const 100)) (i32.const -1))))))
        (if (call $eq (local.get $a) (local.get $alen) (i32.const 248) (i32.const 5))
          (then (drop (call $fd_close (i32.const 1))) (drop (call $fd_close (i32.const 2)))))
        (if (call $eq (local.get $a) (local.get $alen) (i32.const 88) (i32.const 6))
          (then
            (local.set $out (call $find_preopen (i32.const 96) (i32.const 8)))
            (if (i32.lt_s (local.get $out) (i32.const 0)) (then (call $proc_exit (i32.const 5))))
            (call $try_open (local.get $out) (i32.const 128) (i32.const 16))
            (call $try_open (local.get $out) (i32.const 133) (i32.const 11))
            (call $proc_exit (i32.const 4))))))

    ;; "hello from wasm job" then each argument after a space
    (call $write (i32.const 1) (i32.const 0) (i32.const 19))
    (local.set $i (i32.const 1))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $argc)))
        (local.set $a (i32.load (i32.add (local.get $argv) (i32.shl (local.get $i) (i32.const 2)))))
        (call $write (i32.const 1) (i32.const 33) (i32.const 1))
        (call $write (i32.const 1) (local.get $a) (call $strlen (local.get $a)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (call $write (i32.const 1) (i32.const 32) (i32.const 1))
    (call $write (i32.const 2) (i32.const 160) (i32.const 35))

    (local.set $name (call $getenv (i32.const 56) (i32.const 4)))
    (if (local.get $name)
      (then (local.set $nlen (call $strlen (local.get $name))))
      (else (local.set $name (i32.const 64)) (local.set $nlen (i32.const 5))))
    (call $write (i32.const 1) (i32.const 40) (i32.const 7))
    (call $write (i32.const 1) (local.get $name) (local.get $nlen))
    (call $write (i32.const 1) (i32.const 48) (i32.const 2))

    (local.set $out (call $find_preopen (i32.const 96) (i32.const 8)))
    (if (i32.lt_s (local.get $out) (i32.const 0)) (then (call $proc_exit (i32.const 5))))
    ;; oflags creat|trunc; rights fd_write
    (if (call $path_open (local.get $out) (i32.const 0) (i32.const 112) (i32.const 10)
              (i32.const 9) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 524))
      (then (call $proc_exit (i32.const 6))))
    (local.set $fd (i32.load (i32.const 524)))
    (call $write (local.get $fd) (i32.const 208) (i32.const 15))
    (call $write (local.get $fd) (local.get $name) (local.get $nlen))
    (call $write (local.get $fd) (i32.const 32) (i32.const 1))
    (drop (call $fd_close (local.get $fd))))
)

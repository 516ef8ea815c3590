;; hello-cli: a wasi:cli command component (world hello-cli in hello-cli.wit), the example job
;; for the component engine. `run` reads its arguments; argv[0] is the program name, the mode
;; is argv[1]:
;;
;;   (no mode arg)  stdout "hello from a wasi:cli component <args…>", a line on stderr; returns ok
;;   fail           returns err before writing anything (a host reports exit code 1)
;;   loop           spins forever (for timeout and abort tests)
;;   trap           executes `unreachable`
;;
;; Hand-written core module, canonical ABI by hand: resource handles are i32; a list<string>
;; result comes back through a return area as (ptr, len) of (ptr, len) pairs the host allocated
;; with cabi_realloc; result<_, stream-error> is a u8 tag at +0 and the stream-error at +4
;; (its u8 tag at +4, an own<error> handle at +8).
(module
  (import "wasi:cli/environment@0.2.3" "get-arguments" (func $get_arguments (param i32)))
  (import "wasi:cli/stdout@0.2.3" "get-stdout" (func $get_stdout (result i32)))
  (import "wasi:cli/stderr@0.2.3" "get-stderr" (func $get_stderr (result i32)))
  (import "wasi:io/streams@0.2.3" "[method]output-stream.blocking-write-and-flush"
    (func $blocking_write_and_flush (param i32 i32 i32 i32)))
  (import "wasi:io/streams@0.2.3" "[resource-drop]output-stream" (func $drop_output_stream (param i32)))
  (import "wasi:io/error@0.2.3" "[resource-drop]error" (func $drop_error (param i32)))

  ;; 0..255 constant strings, 256..263 get-arguments' return area, 264..275 a write's result,
  ;; 1024.. the heap cabi_realloc hands out (bump allocation, never freed: one run, then gone).
  (memory (export "memory") 1)
  (data (i32.const 0) "hello from a wasi:cli component")
  (data (i32.const 32) " \0a")
  (data (i32.const 40) "fail")
  (data (i32.const 44) "loop")
  (data (i32.const 48) "trap")
  (data (i32.const 64) "a line on stderr from the wasi:cli component\0a")
  (global $heap (mut i32) (i32.const 1024))

  (func $cabi_realloc (export "cabi_realloc")
    (param $old i32) (param $old_size i32) (param $align i32) (param $size i32) (result i32)
    (local $ptr i32) (local $end i32) (local $have i32)
    (local.set $ptr (i32.and
      (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
      (i32.sub (i32.const 0) (local.get $align))))
    (local.set $end (i32.add (local.get $ptr) (local.get $size)))
    (local.set $have (i32.shl (memory.size) (i32.const 16)))
    (if (i32.gt_u (local.get $end) (local.get $have)) (then
      (if (i32.eq
            (memory.grow (i32.shr_u
              (i32.add (i32.sub (local.get $end) (local.get $have)) (i32.const 65535))
              (i32.const 16)))
            (i32.const -1))
        (then unreachable))))
    (if (local.get $old_size) (then
      (memory.copy (local.get $ptr) (local.get $old)
        (select (local.get $old_size) (local.get $size) (i32.lt_u (local.get $old_size) (local.get $size))))))
    (global.set $heap (local.get $end))
    (local.get $ptr))

  ;; Writes ptr[0..len) in chunks of 4096 bytes (the most a blocking write must accept); on a
  ;; stream error it drops the error resource and gives up on that stream.
  (func $write (param $stream i32) (param $ptr i32) (param $len i32)
    (local $n i32)
    (loop $more
      (local.set $n (select (local.get $len) (i32.const 4096) (i32.le_u (local.get $len) (i32.const 4096))))
      (call $blocking_write_and_flush (local.get $stream) (local.get $ptr) (local.get $n) (i32.const 264))
      (if (i32.load8_u (i32.const 264)) (then
        ;; stream-error case 0 is last-operation-failed(own<error>), case 1 closed
        (if (i32.eqz (i32.load8_u (i32.const 268))) (then (call $drop_error (i32.load (i32.const 272)))))
        (return)))
      (local.set $ptr (i32.add (local.get $ptr) (local.get $n)))
      (local.set $len (i32.sub (local.get $len) (local.get $n)))
      (br_if $more (local.get $len))))

  ;; Whether the string at (ptr, len) pair $s is the 4-byte word at $word.
  (func $is (param $s i32) (param $word i32) (result i32)
    (if (result i32) (i32.eq (i32.load offset=4 (local.get $s)) (i32.const 4))
      (then (i32.eq (i32.load (i32.load (local.get $s))) (i32.load (local.get $word))))
      (else (i32.const 0))))

  ;; result (no payloads) flattens to its tag: 0 ok, 1 err.
  (func (export "wasi:cli/run@0.2.3#run") (result i32)
    (local $args i32) (local $count i32) (local $i i32) (local $arg i32) (local $out i32) (local $err i32)
    (call $get_arguments (i32.const 256))
    (local.set $args (i32.load (i32.const 256)))
    (local.set $count (i32.load (i32.const 260)))
    (if (i32.ge_u (local.get $count) (i32.const 2)) (then
      (local.set $arg (i32.add (local.get $args) (i32.const 8)))
      (if (call $is (local.get $arg) (i32.const 40)) (then (return (i32.const 1))))
      (if (call $is (local.get $arg) (i32.const 44)) (then (loop $forever (br $forever))))
      (if (call $is (local.get $arg) (i32.const 48)) (then unreachable))))
    (local.set $out (call $get_stdout))
    (call $write (local.get $out) (i32.const 0) (i32.const 31))
    (local.set $i (i32.const 1))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $arg (i32.add (local.get $args) (i32.shl (local.get $i) (i32.const 3))))
        (call $write (local.get $out) (i32.const 32) (i32.const 1))
        (call $write (local.get $out) (i32.load (local.get $arg)) (i32.load offset=4 (local.get $arg)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each)))
    (call $write (local.get $out) (i32.const 33) (i32.const 1))
    (call $drop_output_stream (local.get $out))
    (local.set $err (call $get_stderr))
    (call $write (local.get $err) (i32.const 64) (i32.const 45))
    (call $drop_output_stream (local.get $err))
    (i32.const 0))
)

;; Ratio-test matching of 256-bit binary descriptors with WebAssembly SIMD (i8x16.popcnt).
;; Source of src/matching/descriptor-match-wasm.ts (regenerate: npm run build:wasm; a test checks they agree).
;;
;; match(q, nq, o, no, out, maxDistance, ratio) → number of pairs written
;;   q, o:  nq and no descriptors of 32 bytes each (query, original); the 96 bytes after the originals are read
;;          (and ignored) when no is not a multiple of 4
;;   out:   (query index, original index) i32 pairs, one per query descriptor whose nearest original descriptor
;;          is within maxDistance bits and nearer than ratio × the second nearest (Lowe's ratio test)
;; Same result as the plain loop: the first of equally near descriptors is the nearest, and a single original
;; descriptor has a second nearest of 257 bits.
(module
  (memory (export "memory") 1)

  (func (export "match")
    (param $q i32) (param $nq i32) (param $o i32) (param $no i32) (param $out i32)
    (param $maxDistance i32) (param $ratio f64) (result i32)
    (local $qEnd i32) (local $oEnd i32) (local $p i32) (local $i i32) (local $j i32) (local $k i32)
    (local $lo v128) (local $hi v128) (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $d4 v128) (local $second4 v128)
    (local $d i32) (local $best i32) (local $second i32) (local $bestJ i32) (local $count i32)
    (local.set $qEnd (i32.add (local.get $q) (i32.shl (local.get $nq) (i32.const 5))))
    (local.set $oEnd (i32.add (local.get $o) (i32.shl (local.get $no) (i32.const 5))))
    (block $queriesDone
      (loop $nextQuery
        (br_if $queriesDone (i32.ge_u (local.get $q) (local.get $qEnd)))
        (local.set $lo (v128.load (local.get $q)))
        (local.set $hi (v128.load offset=16 (local.get $q)))
        (local.set $best (i32.const 257))
        (local.set $second (i32.const 257))
        (local.set $second4 (i32x4.splat (i32.const 257)))
        (local.set $bestJ (i32.const -1))
        (local.set $p (local.get $o))
        (local.set $j (i32.const 0))
        (block $originalsDone
          (loop $nextFour
            (br_if $originalsDone (i32.ge_u (local.get $p) (local.get $oEnd)))
            ;; per-byte popcounts (≤ 16 each) of originals j … j+3 against the query descriptor
            (local.set $c0
              (i8x16.add
                (i8x16.popcnt (v128.xor (local.get $lo) (v128.load (local.get $p))))
                (i8x16.popcnt (v128.xor (local.get $hi) (v128.load offset=16 (local.get $p))))))
            (local.set $c1
              (i8x16.add
                (i8x16.popcnt (v128.xor (local.get $lo) (v128.load offset=32 (local.get $p))))
                (i8x16.popcnt (v128.xor (local.get $hi) (v128.load offset=48 (local.get $p))))))
            (local.set $c2
              (i8x16.add
                (i8x16.popcnt (v128.xor (local.get $lo) (v128.load offset=64 (local.get $p))))
                (i8x16.popcnt (v128.xor (local.get $hi) (v128.load offset=80 (local.get $p))))))
            (local.set $c3
              (i8x16.add
                (i8x16.popcnt (v128.xor (local.get $lo) (v128.load offset=96 (local.get $p))))
                (i8x16.popcnt (v128.xor (local.get $hi) (v128.load offset=112 (local.get $p))))))
            ;; their four horizontal sums, one per i32 lane: pairwise widening adds, narrowing two originals' partial
            ;; sums into one vector while they fit a byte (≤ 32, then ≤ 64)
            (local.set $d4
              (i32x4.extadd_pairwise_i16x8_u
                (i16x8.extadd_pairwise_i8x16_u
                  (i8x16.narrow_i16x8_u
                    (i16x8.extadd_pairwise_i8x16_u
                      (i8x16.narrow_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get $c0)) (i16x8.extadd_pairwise_i8x16_u (local.get $c1))))
                    (i16x8.extadd_pairwise_i8x16_u
                      (i8x16.narrow_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get $c2)) (i16x8.extadd_pairwise_i8x16_u (local.get $c3))))))))
            ;; most groups hold nothing nearer than the second nearest so far
            (if (v128.any_true (i32x4.lt_u (local.get $d4) (local.get $second4)))
              (then
                (local.set $k (i32.const 0))
                (loop $nextLane
                  (local.set $d (i32x4.extract_lane 0 (local.get $d4)))
                  (if (i32.and
                        (i32.lt_u (local.get $d) (local.get $second))
                        (i32.lt_u (i32.add (local.get $j) (local.get $k)) (local.get $no)))
                    (then
                      (if (i32.lt_u (local.get $d) (local.get $best))
                        (then
                          (local.set $second (local.get $best))
                          (local.set $best (local.get $d))
                          (local.set $bestJ (i32.add (local.get $j) (local.get $k))))
                        (else (local.set $second (local.get $d))))))
                  (local.set $d4 (i8x16.shuffle 4 5 6 7 8 9 10 11 12 13 14 15 0 1 2 3 (local.get $d4) (local.get $d4)))
                  (local.set $k (i32.add (local.get $k) (i32.const 1)))
                  (br_if $nextLane (i32.lt_u (local.get $k) (i32.const 4))))
                (local.set $second4 (i32x4.splat (local.get $second)))))
            (local.set $p (i32.add (local.get $p) (i32.const 128)))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $nextFour)))
        (if (i32.and
              (i32.and (i32.ge_s (local.get $bestJ) (i32.const 0)) (i32.le_u (local.get $best) (local.get $maxDistance)))
              (f64.lt (f64.convert_i32_u (local.get $best)) (f64.mul (local.get $ratio) (f64.convert_i32_u (local.get $second)))))
          (then
            (i32.store (local.get $out) (local.get $i))
            (i32.store offset=4 (local.get $out) (local.get $bestJ))
            (local.set $out (i32.add (local.get $out) (i32.const 8)))
            (local.set $count (i32.add (local.get $count) (i32.const 1)))))
        (local.set $q (i32.add (local.get $q) (i32.const 32)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $nextQuery)))
    (local.get $count)))

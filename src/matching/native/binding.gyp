# Built by scripts/build-native.ts on the machine that runs it (npm install), hence -march=native: the CPU's own
# popcount and vector instructions. -ffp-contract=off: no fused multiply-add, whose single rounding would make
# greyscale.cc's floats differ from libvips' (built for CPUs without FMA).
{
  "targets": [
    {
      "target_name": "imprint_native",
      "sources": ["addon.cc", "orb.cc", "descriptor-match.cc", "enlarge.cc", "reduce.cc", "greyscale.cc", "levels.cc", "hashes.cc", "probe.cc"],
      "include_dirs": ["/usr/include/opencv4"],
      "cflags_cc": ["-fexceptions", "-std=c++17", "-O3", "-march=native", "-ffp-contract=off"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "libraries": ["-lopencv_core", "-lopencv_imgproc", "-lopencv_features2d"]
    }
  ]
}

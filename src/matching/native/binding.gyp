# Built by scripts/build-native.ts on the machine that runs it (npm install), hence -march=native: the CPU's own
# popcount and vector instructions.
{
  "targets": [
    {
      "target_name": "imprint_native",
      "sources": ["addon.cc", "orb.cc", "descriptor-match.cc", "enlarge.cc"],
      "include_dirs": ["/usr/include/opencv4"],
      "cflags_cc": ["-fexceptions", "-std=c++17", "-O3", "-march=native"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "libraries": ["-lopencv_core", "-lopencv_imgproc", "-lopencv_features2d"]
    }
  ]
}

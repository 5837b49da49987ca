{
  "targets": [
    {
      "target_name": "imprint_orb",
      "sources": ["orb.cc"],
      "include_dirs": ["/usr/include/opencv4"],
      "cflags_cc": ["-fexceptions", "-std=c++17"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "libraries": ["-lopencv_core", "-lopencv_imgproc", "-lopencv_features2d"]
    }
  ]
}

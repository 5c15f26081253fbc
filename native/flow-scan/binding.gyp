{
  "targets": [
    {
      "target_name": "flow_scan",
      "sources": ["flow_scan.c"],
      "cflags": ["-O2", "-std=c11", "-Wall", "-Wextra"]
    }
  ]
}

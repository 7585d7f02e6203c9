"""The client side: hosts with a local image store (build, tag, push, pull), their outputs, whole-image
writes and reads, and comparisons."""

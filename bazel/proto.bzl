"""ferry_cc_proto: a .proto file to a C++ library, with Debian's protoc.

Bazel 4.2.3's native proto_library needs @com_google_protobuf, which cannot be
downloaded here, so a genrule runs the system `protoc --cpp_out` and a
cc_library compiles its output.

    load("//bazel:proto.bzl", "ferry_cc_proto")

    ferry_cc_proto(
        name = "kubevirt_proto",
        srcs = ["kubevirt.proto"],
        deps = [":meta_proto"],   # other ferry_cc_proto targets it imports
    )

C++ code then includes "api/kubevirt.pb.h" and depends on ":kubevirt_proto".
Imports are written from the workspace root (import "api/meta.proto";).
"""

load("//bazel:cc.bzl", "cc_library")

def ferry_cc_proto(name, srcs, deps = [], visibility = None):
    # Every .proto the generator may need to read: these and, transitively, the deps'.
    native.filegroup(
        name = name + "_srcs",
        srcs = srcs + [d + "_srcs" for d in deps],
        visibility = visibility,
    )
    stems = [s[:-len(".proto")] for s in srcs]
    hdrs = [s + ".pb.h" for s in stems]
    ccs = [s + ".pb.cc" for s in stems]
    native.genrule(
        name = name + "_protoc",
        srcs = srcs + [name + "_srcs"],
        outs = hdrs + ccs,
        cmd = "protoc --cpp_out=$(GENDIR) -I. " +
              " ".join(["$(location %s)" % s for s in srcs]),
        message = "protoc " + " ".join(srcs),
    )
    cc_library(
        name = name,
        srcs = ccs,
        hdrs = hdrs,
        deps = deps + ["@system//:protobuf"],
        visibility = visibility,
    )

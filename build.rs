//! Compiles `proto/` into Rust with prost-build, parsed by protox (pure Rust), so a
//! fresh machine needs no `protoc`.

use std::io::Result;

fn main() -> Result<()> {
    let files = [
        "proto/event.proto",
        "proto/summary.proto",
        "proto/tensor.proto",
        "proto/graph.proto",
        "proto/hparams.proto",
        "proto/layout.proto",
    ];
    for f in &files {
        println!("cargo:rerun-if-changed={f}");
    }
    let fds = protox::compile(files, ["proto"]).map_err(std::io::Error::other)?;
    let mut config = prost_build::Config::new();
    config.btree_map(["."]);
    config.compile_fds(fds)
}

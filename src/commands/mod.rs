//! One module per command: each turns parsed arguments into calls to the library
//! and decides the exit code.

pub mod apply;
pub mod docs;
pub mod explain;
pub mod generate;
pub mod init;
pub mod load;
pub mod load_redis;
pub mod plan;
pub mod restore;
pub mod runs;
pub mod scan;
pub mod suggest;

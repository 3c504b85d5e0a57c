//! All integration tests, in one binary. Each test gets its own [`Workdir`]; a
//! failed assertion prints the command's stdout, stderr and status.

mod bad_input;
mod cleanup;
mod databases;
mod explain;
mod files;
mod harness;
mod html;
mod init;
mod load;
mod matrix;
mod nightly;
mod prevent;
mod redis;
mod reports;
mod safety;
mod sample;
mod servers;
mod spark;
mod terminal;
mod window;

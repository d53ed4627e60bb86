//! One module per subcommand.

pub mod campaign;
pub mod demo;
pub mod migrate;
pub mod run;

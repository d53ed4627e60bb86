//! One module per subcommand.

pub mod agency;
pub mod audit;
pub mod bench;
pub mod campaign;
pub mod demo;
pub mod doctor;
pub mod export;
pub mod jobs;
pub mod migrate;
pub mod outreach;
pub mod run;
pub mod runs;
pub mod serve;
pub mod users;
pub mod webhook;
pub mod worker;

//! Generation: a declarative spec becomes deterministic rows with valid foreign keys,
//! streamed in bounded batches to the bulk writer.

pub mod fakes;
pub mod generator;
pub mod infer;

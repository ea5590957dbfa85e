//! The C ABI: `extern "C"` functions over opaque handles, one module per concept.
//!
//! Every export goes through [`boundary::guard`], which turns errors and panics
//! into a [`result::noob_result`] and records a detail message for the thread.

mod boundary;
pub mod buffer_pool;
pub mod event_store;
pub mod noob;
pub mod result;
pub mod scheduler;
pub mod serializer;
pub mod version;

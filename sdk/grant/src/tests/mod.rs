//! Host tests. Shared fixtures live in [`world`].

mod model;
mod table;
mod vector;
mod verify;
mod world;

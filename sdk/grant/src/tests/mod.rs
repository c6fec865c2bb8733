// SPDX-License-Identifier: BSD-2-Clause
//! Host tests. Shared fixtures live in [`world`].

mod fuzz;
mod model;
mod table;
mod vector;
mod verify;
mod world;

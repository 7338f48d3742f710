//! The kinds fixtura makes itself, without locale data: coordinates (fake 5.1's
//! `Longitude` spans -90..270) and colours (behind a `fake` feature this crate does not
//! enable).

use rand::RngExt;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

use super::FakeKind;

/// Kinds made here without locale data; `None` for the others.
pub(super) fn draw_unlocalized(kind: FakeKind, rng: &mut ChaCha8Rng) -> Option<String> {
    let value = match kind {
        FakeKind::Latitude => format!("{:.6}", rng.random_range(-90.0..=90.0f64)),
        FakeKind::Longitude => format!("{:.6}", rng.random_range(-180.0..180.0f64)),
        FakeKind::HexColor => {
            let [r, g, b]: [u8; 3] = rng.random();
            format!("#{r:02x}{g:02x}{b:02x}")
        }
        FakeKind::RgbColor => {
            let [r, g, b]: [u8; 3] = rng.random();
            format!("rgb({r}, {g}, {b})")
        }
        FakeKind::Color => COLOR_NAMES
            .choose(rng)
            .copied()
            .unwrap_or("black")
            .to_string(),
        _ => return None,
    };
    Some(value)
}

/// CSS named colours (CSS Color Module Level 4, §6.1), a common subset.
const COLOR_NAMES: &[&str] = &[
    "aqua",
    "beige",
    "black",
    "blue",
    "brown",
    "coral",
    "crimson",
    "cyan",
    "gold",
    "gray",
    "green",
    "indigo",
    "ivory",
    "khaki",
    "lavender",
    "lime",
    "magenta",
    "maroon",
    "navy",
    "olive",
    "orange",
    "orchid",
    "pink",
    "plum",
    "purple",
    "red",
    "salmon",
    "silver",
    "tan",
    "teal",
    "tomato",
    "turquoise",
    "violet",
    "white",
    "yellow",
];

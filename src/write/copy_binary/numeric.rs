//! numeric's bytes in binary `COPY` (`numeric_send` / `numeric_recv`): the one scalar
//! whose binary form is a structure, rebuilt from the decimal text the input function
//! would have read. Called once per numeric cell.

use super::{Encoded, Server, Unencodable};
use crate::value::Value;
use crate::write::copy_text::input_text;

/// numeric's binary form (`numeric_send`): digit count, weight (of the first base-10000
/// digit), sign (`0x0000` +, `0x4000` -, `0xC000` NaN, `0xD000` +Infinity, `0xF000`
/// -Infinity), display scale, then the base-10000 digits.
#[inline]
pub(super) fn numeric(
    value: &Value,
    server: Server,
    out: &mut Vec<u8>,
    scratch: &mut String,
) -> Encoded {
    let spelled: &str = match value {
        Value::Decimal(s) => s,
        Value::Int(i) => {
            scratch.clear();
            scratch.push_str(itoa::Buffer::new().format(*i));
            scratch
        }
        Value::Float(_) => {
            scratch.clear();
            input_text(value, scratch);
            scratch
        }
        _ => return Err(Unencodable),
    };
    let special = match spelled {
        "NaN" => Some(0xC000u16),
        "Infinity" if server.numeric_infinity => Some(0xD000),
        "-Infinity" if server.numeric_infinity => Some(0xF000),
        _ => None,
    };
    if let Some(sign) = special {
        for part in [0u16, 0, sign, 0] {
            out.extend_from_slice(&part.to_be_bytes());
        }
        return Ok(());
    }
    numeric_digits(spelled, out)
}

/// A plain decimal, `-?[0-9]+(\.[0-9]+)?`, as `numeric_in` reads it: the display scale is
/// the number of digits after the point. Anything else (exponents, blanks, `+`) is left
/// to the server.
fn numeric_digits(spelled: &str, out: &mut Vec<u8>) -> Encoded {
    let (negative, unsigned) = match spelled.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, spelled),
    };
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty()
        || !digits_only(whole)
        || !digits_only(fraction)
        || (unsigned.contains('.') && fraction.is_empty())
        || spelled.len() > 1000
    {
        return Err(Unencodable);
    }
    let whole = whole.trim_start_matches('0');
    let dscale = u16::try_from(fraction.len()).map_err(|_| Unencodable)?;
    // Base-10000 digits aligned on the decimal point: the whole part padded on the left,
    // the fraction on the right, to multiples of four.
    let lead = (4 - whole.len() % 4) % 4;
    let trail = (4 - fraction.len() % 4) % 4;
    let decimal = std::iter::repeat_n(0u8, lead)
        .chain(whole.bytes().map(|b| b - b'0'))
        .chain(fraction.bytes().map(|b| b - b'0'))
        .chain(std::iter::repeat_n(0u8, trail));
    let mut groups: Vec<u16> = Vec::with_capacity((whole.len() + fraction.len()) / 4 + 2);
    let mut group = 0u16;
    for (i, d) in decimal.enumerate() {
        group = group * 10 + u16::from(d);
        if i % 4 == 3 {
            groups.push(group);
            group = 0;
        }
    }
    let whole_groups = (lead + whole.len()) / 4;
    let mut weight = whole_groups as i64 - 1;
    let first = groups.iter().position(|&g| g != 0);
    let last = groups.iter().rposition(|&g| g != 0);
    let (digits, sign) = match (first, last) {
        (Some(first), Some(last)) => {
            weight -= first as i64;
            (&groups[first..=last], if negative { 0x4000u16 } else { 0 })
        }
        // Zero: no digits, positive, as `make_result` stores it.
        _ => {
            weight = 0;
            (&groups[..0], 0)
        }
    };
    let count = u16::try_from(digits.len()).map_err(|_| Unencodable)?;
    let weight = i16::try_from(weight).map_err(|_| Unencodable)?;
    out.extend_from_slice(&count.to_be_bytes());
    out.extend_from_slice(&weight.to_be_bytes());
    out.extend_from_slice(&sign.to_be_bytes());
    out.extend_from_slice(&dscale.to_be_bytes());
    for digit in digits {
        out.extend_from_slice(&digit.to_be_bytes());
    }
    Ok(())
}

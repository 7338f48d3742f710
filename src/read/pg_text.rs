//! The text PostgreSQL's output functions print for values the binary decoder
//! (`copy_binary.rs`) reads in their binary form: `numeric_out`, and `date_out`,
//! `time_out`, `timestamp_out` / `timestamptz_out` in ISO style with the session's time
//! zone UTC (the settings `postgres.rs` fixes). The decoder uses it where the text path's
//! typing of that text is what decides the value (odd years, `infinity`, `24:00:00`), so
//! both paths agree by construction. Ported from the server's `numeric.c` (`get_str_from_var`)
//! and `datetime.c` (`j2date`, `EncodeDateOnly`, `EncodeDateTime`, `AppendSeconds`).

use crate::db::wire::{EPOCH_JULIAN, USECS_PER_DAY};

/// `numeric_out` of a numeric's binary form (`get_str_from_var`): the sign, the whole part
/// without leading zeros (`0` when there is none), then exactly the display scale's digits.
pub(super) fn numeric(field: &[u8]) -> Result<String, String> {
    let bad = || "a numeric field is malformed".to_string();
    let word = |i: usize| -> Result<u16, String> {
        Ok(u16::from_be_bytes(
            field
                .get(2 * i..2 * i + 2)
                .ok_or_else(bad)?
                .try_into()
                .map_err(|_| bad())?,
        ))
    };
    let count = usize::from(word(0)?);
    let weight = i32::from(word(1)? as i16);
    let sign = word(2)?;
    let dscale = usize::from(word(3)?);
    if field.len() != 8 + 2 * count {
        return Err(bad());
    }
    match sign {
        0xC000 => return Ok("NaN".into()),
        0xD000 => return Ok("Infinity".into()),
        0xF000 => return Ok("-Infinity".into()),
        0x0000 | 0x4000 => {}
        _ => return Err(bad()),
    }
    let digits: Vec<u16> = (0..count).map(|i| word(4 + i)).collect::<Result<_, _>>()?;
    let digit = |d: i32| -> u16 {
        usize::try_from(d)
            .ok()
            .and_then(|d| digits.get(d).copied())
            .unwrap_or(0)
    };
    let mut out = String::with_capacity(((weight.max(0) as usize) + 1) * 4 + dscale + 2);
    if sign == 0x4000 {
        out.push('-');
    }
    let mut d;
    if weight < 0 {
        d = weight + 1;
        out.push('0');
    } else {
        d = 0;
        while d <= weight {
            let group = digit(d);
            let text = [group / 1000, group / 100 % 10, group / 10 % 10, group % 10];
            // The first group without its leading zeros.
            let skip = if d == 0 {
                text.iter().position(|&x| x != 0).unwrap_or(3)
            } else {
                0
            };
            out.extend(text[skip..].iter().map(|&x| char::from(b'0' + x as u8)));
            d += 1;
        }
    }
    if dscale > 0 {
        out.push('.');
        let mut written = 0;
        while written < dscale {
            let group = digit(d);
            for x in [group / 1000, group / 100 % 10, group / 10 % 10, group % 10] {
                if written < dscale {
                    out.push(char::from(b'0' + x as u8));
                    written += 1;
                }
            }
            d += 1;
        }
    }
    Ok(out)
}

/// `j2date` of the server (`src/backend/utils/adt/datetime.c`): the proleptic Gregorian
/// year (0 is 1 BC), month and day of Julian day `jd`.
fn j2date(jd: i64) -> Result<(i64, u32, u32), String> {
    let mut julian = u64::try_from(jd).map_err(|_| format!("julian day {jd} is out of range"))?;
    julian += 32_044;
    let mut quad = julian / 146_097;
    let extra = (julian - quad * 146_097) * 4 + 3;
    julian += 60 + quad * 3 + extra / 146_097;
    quad = julian / 1_461;
    julian -= quad * 1_461;
    let mut y = julian * 4 / 1_461;
    julian = if y != 0 {
        (julian + 305) % 365
    } else {
        (julian + 306) % 366
    } + 123;
    y += quad * 4;
    let year = y as i64 - 4_800;
    let quad = julian * 2_141 / 65_536;
    let day = julian - 7_834 * quad / 256;
    let month = (quad + 10) % 12 + 1;
    Ok((year, month as u32, day as u32))
}

/// `YYYY-MM-DD` as `EncodeDateOnly` writes it in ISO style: at least four year digits,
/// then ` BC` for years before 1.
fn push_date(out: &mut String, jd: i64) -> Result<(), String> {
    let (year, month, day) = j2date(jd)?;
    let shown = if year > 0 { year } else { 1 - year };
    out.push_str(&format!("{shown:04}-{month:02}-{day:02}"));
    Ok(())
}

/// `HH:MM:SS`, then the fraction with its trailing zeros dropped (`AppendSeconds`).
fn push_time(out: &mut String, micros: i64) {
    let seconds = micros / 1_000_000;
    let fraction = micros % 1_000_000;
    out.push_str(&format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    ));
    if fraction != 0 {
        let digits = format!(".{fraction:06}");
        out.push_str(digits.trim_end_matches('0'));
    }
}

/// `date_out`, ISO style.
pub(super) fn date(days: i32) -> Result<String, String> {
    match days {
        i32::MIN => return Ok("-infinity".into()),
        i32::MAX => return Ok("infinity".into()),
        _ => {}
    }
    let jd = i64::from(days) + EPOCH_JULIAN;
    let mut out = String::new();
    push_date(&mut out, jd)?;
    if j2date(jd)?.0 <= 0 {
        out.push_str(" BC");
    }
    Ok(out)
}

/// `time_out`.
pub(super) fn time(micros: i64) -> Result<String, String> {
    if !(0..=USECS_PER_DAY).contains(&micros) {
        return Err(format!("time {micros} is out of range"));
    }
    let mut out = String::new();
    push_time(&mut out, micros);
    Ok(out)
}

/// `timestamp_out` / `timestamptz_out` in ISO style with the session's time zone UTC.
pub(super) fn timestamp(micros: i64, zone: bool) -> Result<String, String> {
    match micros {
        i64::MIN => return Ok("-infinity".into()),
        i64::MAX => return Ok("infinity".into()),
        _ => {}
    }
    let jd = micros.div_euclid(USECS_PER_DAY) + EPOCH_JULIAN;
    let mut out = String::new();
    push_date(&mut out, jd)?;
    out.push(' ');
    push_time(&mut out, micros.rem_euclid(USECS_PER_DAY));
    if zone {
        out.push_str("+00");
    }
    if j2date(jd)?.0 <= 0 {
        out.push_str(" BC");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric_of(words: &[u16]) -> String {
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_be_bytes()).collect();
        numeric(&bytes).expect("decodes")
    }

    #[test]
    fn numerics_print_as_numeric_out_does() {
        assert_eq!(numeric_of(&[0, 0, 0, 0]), "0");
        assert_eq!(numeric_of(&[0, 0, 0, 2]), "0.00");
        assert_eq!(numeric_of(&[1, 0, 0, 0, 7]), "7");
        assert_eq!(numeric_of(&[3, 1, 0, 3, 1, 2345, 6780]), "12345.678");
        assert_eq!(numeric_of(&[1, 0xffff, 0x4000, 4, 1]), "-0.0001");
        assert_eq!(numeric_of(&[1, 0xfffe, 0, 5, 1000]), "0.00001");
        assert_eq!(numeric_of(&[1, 1, 0, 0, 1]), "10000");
        assert_eq!(numeric_of(&[2, 0, 0, 2, 1, 5000]), "1.50");
        assert_eq!(numeric_of(&[0, 0, 0xC000, 0]), "NaN");
        assert_eq!(numeric_of(&[0, 0, 0xD000, 0]), "Infinity");
        assert_eq!(numeric_of(&[0, 0, 0xF000, 0]), "-Infinity");
        assert!(numeric(&[0, 1]).is_err());
    }

    #[test]
    fn dates_and_timestamps_print_in_iso_style_with_bc_and_long_years() {
        assert_eq!(date(2_914_000).as_deref(), Ok("9978-04-06"));
        assert_eq!(date(5_000_000).as_deref(), Ok("15689-07-14"));
        assert_eq!(
            timestamp(-746_117 * USECS_PER_DAY + 43_200_000_000, true).as_deref(),
            Ok("0044-03-15 12:00:00+00 BC")
        );
        assert_eq!(
            timestamp(-1, false).as_deref(),
            Ok("1999-12-31 23:59:59.999999")
        );
        assert_eq!(
            timestamp(1_500, false).as_deref(),
            Ok("2000-01-01 00:00:00.0015")
        );
        assert_eq!(date(i32::MAX).as_deref(), Ok("infinity"));
        assert_eq!(timestamp(i64::MIN, true).as_deref(), Ok("-infinity"));
        assert_eq!(time(USECS_PER_DAY).as_deref(), Ok("24:00:00"));
    }
}

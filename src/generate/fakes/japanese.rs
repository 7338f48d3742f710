//! Japanese data `fake` 5.1 lacks: cities, street addresses in the 〇〇町N丁目N-N form, the
//! 47 prefectures and NNN-NNNN postal codes, where its `ja_jp` falls back to US states, zip
//! codes and English street suffixes.

use fake::Fake;
use fake::faker::name::raw as name;
use fake::locales::JA_JP;
use rand::RngExt;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;

use super::FakeKind;

/// Japanese data `fake` 5.1 lacks: its `ja_jp` falls back to US states, zip codes and
/// English street suffixes.
pub(super) fn draw_japanese(kind: FakeKind, rng: &mut ChaCha8Rng) -> Option<String> {
    match kind {
        FakeKind::City => {
            let name: String = name::LastName(JA_JP).fake_with_rng(rng);
            Some(format!("{name}市"))
        }
        // 〇〇町N丁目N-N: town, block group, block and building.
        FakeKind::StreetAddress => {
            let town: String = name::LastName(JA_JP).fake_with_rng(rng);
            Some(format!(
                "{town}町{}丁目{}-{}",
                rng.random_range(1..10u32),
                rng.random_range(1..31u32),
                rng.random_range(1..21u32)
            ))
        }
        FakeKind::State => PREFECTURES.choose(rng).map(|p| p.to_string()),
        // Japanese postal codes are NNN-NNNN.
        FakeKind::PostCode | FakeKind::Zip => Some(format!(
            "{:03}-{:04}",
            rng.random_range(1..1000u32),
            rng.random_range(0..10_000u32)
        )),
        _ => None,
    }
}

/// The 47 prefectures of Japan.
const PREFECTURES: &[&str] = &[
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::fakes::Locale;
    use rand::SeedableRng;

    fn rng(seed: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(seed)
    }

    #[test]
    fn japanese_prefectures_and_postal_codes_look_japanese() {
        let mut rng = rng(6);
        let city = FakeKind::City.generate(Locale::JaJp, &mut rng);
        assert!(city.ends_with('市'), "{city}");
        let address = FakeKind::StreetAddress.generate(Locale::JaJp, &mut rng);
        assert!(address.contains("丁目"), "{address}");
        let state = FakeKind::State.generate(Locale::JaJp, &mut rng);
        assert!(PREFECTURES.contains(&state.as_str()), "{state}");
        let code = FakeKind::PostCode.generate(Locale::JaJp, &mut rng);
        assert!(code.len() == 8 && code.as_bytes()[3] == b'-', "{code}");
    }
}

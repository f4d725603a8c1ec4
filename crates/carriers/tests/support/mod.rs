//! Check digits computed the plain way, independently of the crate's `checksum`
//! module, to build the test numbers.

#![allow(dead_code)]

fn digits(s: &str) -> Vec<u32> {
    s.chars()
        .map(|c| c.to_digit(10).expect("a digit"))
        .collect()
}

fn char_of(d: u32) -> char {
    char::from_digit(d, 10).expect("a digit")
}

/// GS1: the rightmost payload digit weighs 3, the next 1, and so on.
pub fn gs1(payload: &str) -> char {
    let d = digits(payload);
    let n = d.len();
    let sum: u32 = d
        .iter()
        .enumerate()
        .map(|(i, x)| if (n - i) % 2 == 1 { 3 * x } else { *x })
        .sum();
    char_of((10 - sum % 10) % 10)
}

/// Luhn: double every other digit from the rightmost payload digit.
pub fn luhn(payload: &str) -> char {
    let d = digits(payload);
    let n = d.len();
    let sum: u32 = d
        .iter()
        .enumerate()
        .map(|(i, x)| {
            if (n - i) % 2 == 1 {
                let y = 2 * x;
                y / 10 + y % 10
            } else {
                *x
            }
        })
        .sum();
    char_of((10 - sum % 10) % 10)
}

/// FedEx: weights 1, 3, 7 from the rightmost payload digit, mod 11, 10 → 0.
pub fn fedex(payload: &str) -> char {
    let d = digits(payload);
    let n = d.len();
    let sum: u32 = d
        .iter()
        .enumerate()
        .map(|(i, x)| x * [1, 3, 7][(n - 1 - i) % 3])
        .sum();
    char_of(sum % 11 % 10)
}

/// UPS/OnTrac: letters by UPS's table, weights 1, 2 from the left, mod 10.
pub fn ups(payload: &str) -> char {
    const LETTERS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const VALUES: &str = "23456789012345678901234567";
    let sum: u32 = payload
        .chars()
        .enumerate()
        .map(|(i, c)| {
            let v = match LETTERS.find(c) {
                Some(at) => VALUES[at..=at].parse::<u32>().unwrap(),
                None => c.to_digit(10).unwrap(),
            };
            if i % 2 == 1 { 2 * v } else { v }
        })
        .sum();
    char_of((10 - sum % 10) % 10)
}

/// DHL Express: the payload as a number, mod 7.
pub fn mod7(payload: &str) -> char {
    char_of((payload.parse::<u64>().unwrap() % 7) as u32)
}

/// S10: weights 8 6 4 2 3 5 9 7, 11 - (sum mod 11), 10 → 0, 11 → 5.
pub fn s10(serial: &str) -> char {
    let sum: u32 = digits(serial)
        .iter()
        .zip([8, 6, 4, 2, 3, 5, 9, 7])
        .map(|(d, w)| d * w)
        .sum();
    match 11 - sum % 11 {
        10 => '0',
        11 => '5',
        c => char_of(c),
    }
}

/// `payload` followed by its check digit.
pub fn with_check(payload: &str, check: fn(&str) -> char) -> String {
    format!("{payload}{}", check(payload))
}

/// `number` with the digit at `at` replaced by the next one (9 → 0).
pub fn change_digit(number: &str, at: usize) -> String {
    let mut chars: Vec<char> = number.chars().collect();
    let d = chars[at].to_digit(10).expect("a digit at that position");
    chars[at] = char_of((d + 1) % 10);
    chars.into_iter().collect()
}

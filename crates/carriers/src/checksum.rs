//! Check-digit algorithms of the tracking-number formats.
//!
//! Each algorithm comes as a pair: `*_check_digit(payload)` computes the check digit of
//! the characters before it (`None` when a character is outside the algorithm's
//! alphabet), and `*_verifies(number)` says whether the last character of `number` is
//! the right check digit for the rest. A number whose check digit is wrong is only ever
//! reported as such; nothing here "corrects" it.
//!
//! Sums are reduced as they go, so arbitrarily long input cannot overflow.

/// The value of an ASCII digit.
fn digit(b: u8) -> Option<u32> {
    b.is_ascii_digit().then(|| u32::from(b - b'0'))
}

/// Splits `number` into its payload and its last character read as a digit.
fn split_check(number: &str) -> Option<(&str, u32)> {
    let (&last, _) = number.as_bytes().split_last()?;
    let check = digit(last)?;
    // The last byte is an ASCII digit, so cutting before it is a char boundary.
    Some((&number[..number.len() - 1], check))
}

fn verify(number: &str, check_digit: fn(&str) -> Option<u8>) -> bool {
    match split_check(number) {
        Some((payload, check)) if !payload.is_empty() => {
            check_digit(payload).map(u32::from) == Some(check)
        }
        _ => false,
    }
}

/// GS1 mod 10 (the check digit of GTINs and SSCCs, USPS IMpb, FedEx Ground, Canada
/// Post's 16-digit numbers): from the rightmost payload digit leftwards, weights 3, 1,
/// 3, 1, …; the check digit brings the weighted sum up to a multiple of 10.
pub fn gs1_mod10_check_digit(payload: &str) -> Option<u8> {
    let mut sum = 0;
    for (i, b) in payload.bytes().rev().enumerate() {
        let weight = if i % 2 == 0 { 3 } else { 1 };
        sum = (sum + weight * digit(b)?) % 10;
    }
    Some(((10 - sum) % 10) as u8)
}

/// Whether the last digit of `number` is its GS1 mod 10 check digit.
pub fn gs1_mod10_verifies(number: &str) -> bool {
    verify(number, gs1_mod10_check_digit)
}

/// The value UPS gives a character of a 1Z number: a digit is itself, a letter is
/// `(ASCII code - 3) mod 10` (A = 2, B = 3, …, H = 9, I = 0, …).
fn ups_value(b: u8) -> Option<u32> {
    match b.to_ascii_uppercase() {
        d @ b'0'..=b'9' => Some(u32::from(d - b'0')),
        l @ b'A'..=b'Z' => Some(u32::from(l - 3) % 10),
        _ => None,
    }
}

/// UPS mod 10 (UPS 1Z numbers, over the 15 characters after `1Z`; OnTrac, over the 14
/// characters including the leading letter): letters become digits as in UPS's table,
/// then from the left the characters are weighted 1, 2, 1, 2, … (no digit sums); the
/// check digit brings the sum up to a multiple of 10.
pub fn ups_mod10_check_digit(payload: &str) -> Option<u8> {
    let mut sum = 0;
    for (i, b) in payload.bytes().enumerate() {
        let weight = if i % 2 == 0 { 1 } else { 2 };
        sum = (sum + weight * ups_value(b)?) % 10;
    }
    Some(((10 - sum) % 10) as u8)
}

/// Whether the last digit of `number` is its UPS mod 10 check digit.
pub fn ups_mod10_verifies(number: &str) -> bool {
    verify(number, ups_mod10_check_digit)
}

/// Luhn (Purolator's 12-digit numbers): from the rightmost payload digit leftwards,
/// every other digit starting with that one is doubled (a two-digit result counts as
/// the sum of its digits); the check digit brings the sum up to a multiple of 10.
pub fn luhn_check_digit(payload: &str) -> Option<u8> {
    let mut sum = 0;
    for (i, b) in payload.bytes().rev().enumerate() {
        let d = digit(b)?;
        let value = if i % 2 == 0 {
            let doubled = d * 2;
            if doubled > 9 { doubled - 9 } else { doubled }
        } else {
            d
        };
        sum = (sum + value) % 10;
    }
    Some(((10 - sum) % 10) as u8)
}

/// Whether the last digit of `number` is its Luhn check digit.
pub fn luhn_verifies(number: &str) -> bool {
    verify(number, luhn_check_digit)
}

/// FedEx mod 11 (FedEx 12-digit Express/Ground numbers): from the rightmost payload
/// digit leftwards, weights 1, 3, 7, 1, 3, 7, …; the check digit is the weighted sum
/// modulo 11, with a remainder of 10 written as 0.
pub fn fedex_mod11_check_digit(payload: &str) -> Option<u8> {
    const WEIGHTS: [u32; 3] = [1, 3, 7];
    let mut sum = 0;
    for (i, b) in payload.bytes().rev().enumerate() {
        sum = (sum + WEIGHTS[i % 3] * digit(b)?) % 11;
    }
    Some((sum % 10) as u8)
}

/// Whether the last digit of `number` is its FedEx mod 11 check digit.
pub fn fedex_mod11_verifies(number: &str) -> bool {
    verify(number, fedex_mod11_check_digit)
}

/// Mod 7 (DHL Express waybill numbers): the check digit is the payload, read as one
/// decimal number, modulo 7.
pub fn mod7_check_digit(payload: &str) -> Option<u8> {
    let mut rest = 0;
    for b in payload.bytes() {
        rest = (rest * 10 + digit(b)?) % 7;
    }
    Some(rest as u8)
}

/// Whether the last digit of `number` is its mod 7 check digit.
pub fn mod7_verifies(number: &str) -> bool {
    verify(number, mod7_check_digit)
}

/// UPU S10 mod 11 (international postal items, `AA123456785US`): the eight serial
/// digits are weighted 8, 6, 4, 2, 3, 5, 9, 7; the check digit is 11 minus the sum
/// modulo 11, where 10 is written 0 and 11 is written 5. `payload` is exactly the eight
/// serial digits.
pub fn s10_check_digit(payload: &str) -> Option<u8> {
    const WEIGHTS: [u32; 8] = [8, 6, 4, 2, 3, 5, 9, 7];
    if payload.len() != WEIGHTS.len() {
        return None;
    }
    let mut sum = 0;
    for (b, weight) in payload.bytes().zip(WEIGHTS) {
        sum += weight * digit(b)?;
    }
    Some(match 11 - sum % 11 {
        10 => 0,
        11 => 5,
        check => check as u8,
    })
}

/// Whether the last digit of `number` (the eight serial digits and the check digit of
/// an S10 identifier, without its letters) is its S10 check digit.
pub fn s10_verifies(number: &str) -> bool {
    verify(number, s10_check_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gs1_textbook_example() {
        // GS1's worked example: GTIN-13 629104150021 has check digit 3.
        assert_eq!(gs1_mod10_check_digit("629104150021"), Some(3));
        assert!(gs1_mod10_verifies("6291041500213"));
        assert!(!gs1_mod10_verifies("6291041500214"));
    }

    #[test]
    fn luhn_textbook_example() {
        // The usual Luhn example: 7992739871 has check digit 3.
        assert_eq!(luhn_check_digit("7992739871"), Some(3));
        assert!(luhn_verifies("79927398713"));
        assert!(!luhn_verifies("79927398710"));
    }

    #[test]
    fn s10_worked_example() {
        // 1·8 + 2·6 + 3·4 + 4·2 + 5·3 + 6·5 + 7·9 + 8·7 = 204; 204 mod 11 = 6; 11 - 6 = 5.
        assert_eq!(s10_check_digit("12345678"), Some(5));
        assert!(s10_verifies("123456785"));
        // Remainder 0 gives 11, written 5; remainder 1 gives 10, written 0.
        assert_eq!(s10_check_digit("00000000"), Some(5));
        // 2·6 = 12, remainder 1, 11 - 1 = 10, written 0.
        assert_eq!(s10_check_digit("02000000"), Some(0));
    }

    #[test]
    fn ups_letters_map_like_ups_table() {
        assert_eq!(ups_value(b'A'), Some(2));
        assert_eq!(ups_value(b'H'), Some(9));
        assert_eq!(ups_value(b'I'), Some(0));
        assert_eq!(ups_value(b'Z'), Some(7));
        assert_eq!(ups_value(b'-'), None);
    }

    #[test]
    fn mod7_is_the_remainder() {
        assert_eq!(mod7_check_digit("123456789"), Some((123_456_789 % 7) as u8));
        assert!(mod7_verifies("1234567891"));
    }

    #[test]
    fn fedex_mod11_remainder_ten_is_zero() {
        // 5 at the weight-3 position: 15 mod 11 = 4.
        assert_eq!(fedex_mod11_check_digit("50"), Some(4));
        // 3 at the weight-7 position: 21 mod 11 = 10, written 0.
        assert_eq!(fedex_mod11_check_digit("300"), Some(0));
    }

    #[test]
    fn non_digits_and_empty_input_are_refused() {
        assert_eq!(gs1_mod10_check_digit("12A"), None);
        assert!(!gs1_mod10_verifies(""));
        assert!(!gs1_mod10_verifies("7"));
        assert!(!luhn_verifies("12é"));
        assert!(!s10_verifies("12345678"));
        assert_eq!(s10_check_digit("1234567"), None);
    }
}

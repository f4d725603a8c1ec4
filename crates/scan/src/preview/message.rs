//! What the live preview sends the window, one binary message each: a little-endian
//! `u32` length, that many bytes of JSON header ([`PreviewMessage`]), then the payload
//! (the JPEG of a frame; nothing for the other messages). Binary, because a JPEG in JSON
//! would be base64: a third larger and a string to decode on every frame.

use serde::Serialize;
use ts_rs::TS;

use crate::camera::CameraErrorKind;
use crate::decode::{AcceptReason, Symbology};

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum PreviewMessage {
    /// A preview frame; the JPEG follows the header.
    Frame {
        /// Counts the frames of this preview from 1.
        #[ts(type = "number")]
        seq: u64,
        /// The JPEG's size.
        width: u32,
        height: u32,
        /// The aim box in the JPEG's pixels: `[x, y, width, height]`.
        aim: [f32; 4],
        /// The code seen on the latest decoded frame, in the JPEG's pixels.
        code: Option<Outline>,
    },
    /// A code the acceptance rule took: the window hands it to the same handler as a
    /// USB scan.
    Accepted {
        text: String,
        symbology: Symbology,
        reason: AcceptReason,
    },
    /// The preview stopped by itself: the camera failed or went away.
    Ended {
        reason: CameraErrorKind,
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Outline {
    pub text: String,
    pub points: Vec<[f32; 2]>,
}

/// One message on the wire.
pub fn encode(message: &PreviewMessage, payload: &[u8]) -> Vec<u8> {
    let header = serde_json::to_vec(message).unwrap_or_else(|_| b"{}".to_vec());
    let mut bytes = Vec::with_capacity(4 + header.len() + payload.len());
    bytes.extend_from_slice(&(header.len() as u32).to_le_bytes());
    bytes.extend_from_slice(&header);
    bytes.extend_from_slice(payload);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_is_its_header_length_header_and_payload() {
        let message = PreviewMessage::Accepted {
            text: "7K3Q-9XTM".into(),
            symbology: Symbology::Qr,
            reason: AcceptReason::PackageCode,
        };
        let bytes = encode(&message, b"JPEG");
        let length = u32::from_le_bytes(bytes[..4].try_into().unwrap()) as usize;
        let header: serde_json::Value = serde_json::from_slice(&bytes[4..4 + length]).unwrap();
        assert_eq!(
            header,
            serde_json::json!({"kind": "accepted", "text": "7K3Q-9XTM", "symbology": "qr", "reason": "package_code"})
        );
        assert_eq!(&bytes[4 + length..], b"JPEG");
    }
}

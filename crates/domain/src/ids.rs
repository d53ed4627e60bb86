//! Typed ids: UUIDv7 text, one type per table, so a run id cannot be passed where an agency id
//! is expected.
//!
//! The database stores ids as text (DESIGN §2), so each id keeps its canonical text (lower-case,
//! hyphenated) and hands it out as `&str` without formatting. UUIDv7 text sorts by creation
//! time, which keeps `ORDER BY id` meaningful.

use uuid::Uuid;

/// Why a string is not an id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a valid {kind} (expected UUID text)")]
pub struct IdError {
    /// Which id type was being parsed, e.g. `RunId`.
    pub kind: &'static str,
    /// The rejected text.
    pub value: String,
}

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7().hyphenated().to_string())
            }

            /// Reads an id back from its text. Any UUID form is accepted (ids minted by
            /// fixtures or older rows need not be v7) and stored in canonical text.
            pub fn parse(text: &str) -> Result<Self, IdError> {
                Uuid::parse_str(text.trim())
                    .map(|uuid| Self(uuid.hyphenated().to_string()))
                    .map_err(|_| IdError { kind: stringify!($name), value: text.to_owned() })
            }

            /// The canonical text, as stored in the database.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Self::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

typed_id!(
    /// A campaign run (`lead_gen_flow` row).
    RunId
);
typed_id!(
    /// An agency (`agencies` row); every tenant-owned row carries one.
    AgencyId
);
typed_id!(
    /// A user (`users` row).
    UserId
);
typed_id!(
    /// A lead (`client_opportunities` row).
    OpportunityId
);
typed_id!(
    /// A durable job (`jobs` row).
    JobId
);

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn new_ids_are_v7_and_sort_by_creation() {
        let first = RunId::new();
        let second = RunId::new();
        assert_eq!(
            Uuid::parse_str(first.as_str()).unwrap().get_version_num(),
            7
        );
        assert!(first < second, "{first} should sort before {second}");
        assert_ne!(first, second);
    }

    #[test]
    fn ids_parse_to_canonical_lower_case_text() {
        let id = AgencyId::parse(" 0190F4C2-8B1A-7C3D-9E4F-0123456789AB ").unwrap();
        assert_eq!(id.as_str(), "0190f4c2-8b1a-7c3d-9e4f-0123456789ab");
        assert_eq!(id.to_string(), id.as_str());
        assert_eq!(
            "0190f4c2-8b1a-7c3d-9e4f-0123456789ab"
                .parse::<AgencyId>()
                .unwrap(),
            id
        );
    }

    #[test]
    fn garbage_is_not_an_id_and_the_error_names_the_kind() {
        let err = JobId::parse("job-42").unwrap_err();
        assert_eq!(err.kind, "JobId");
        assert!(err.to_string().contains("JobId"), "{err}");
        assert!(UserId::parse("").is_err());
    }

    #[test]
    fn ids_round_trip_through_json_as_strings() {
        let id = OpportunityId::new();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<OpportunityId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<OpportunityId>("\"nope\"").is_err());
        assert!(serde_json::from_str::<OpportunityId>("42").is_err());
    }
}

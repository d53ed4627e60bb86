//! Geography: what a place name covers and which neighbourhoods it splits into.
//!
//! Text-search providers cap how many results one query returns (Google: 60). When a city
//! holds more businesses than that, the chain asks [`GeoResolver`] for the city's suburbs and
//! neighbourhoods (OpenStreetMap `place` nodes) and queries each one.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::Bounds;
use super::osm::{OsmClient, bbox};
use crate::error::ProviderError;
use crate::usage::UsageSink;

/// Half the side of the box put around a neighbourhood's node, in degrees (~2 km).
pub const SUBAREA_HALF_SIZE: f64 = 0.02;

/// A geography as Nominatim resolved it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeoArea {
    /// Nominatim's full name for it.
    pub display_name: String,
    /// ISO 3166-1 alpha-2 country code, uppercase.
    pub country_code: Option<String>,
    /// Southern latitude of its bounding box.
    pub south: f64,
    /// Western longitude of its bounding box.
    pub west: f64,
    /// Northern latitude of its bounding box.
    pub north: f64,
    /// Eastern longitude of its bounding box.
    pub east: f64,
    /// Latitude of its centre.
    pub lat: f64,
    /// Longitude of its centre.
    pub lon: f64,
}

impl GeoArea {
    /// Its bounding box.
    pub fn bounds(&self) -> Bounds {
        Bounds {
            south: self.south,
            west: self.west,
            north: self.north,
            east: self.east,
        }
    }
}

/// A neighbourhood inside a [`GeoArea`], with a small box around its centre.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubArea {
    /// Its name, as mapped.
    pub name: String,
    /// Southern latitude.
    pub south: f64,
    /// Western longitude.
    pub west: f64,
    /// Northern latitude.
    pub north: f64,
    /// Eastern longitude.
    pub east: f64,
}

impl SubArea {
    /// A sub-area named `name` with a box of ±[`SUBAREA_HALF_SIZE`] around a point.
    pub fn around(name: String, lat: f64, lon: f64) -> Self {
        Self {
            name,
            south: lat - SUBAREA_HALF_SIZE,
            west: lon - SUBAREA_HALF_SIZE,
            north: lat + SUBAREA_HALF_SIZE,
            east: lon + SUBAREA_HALF_SIZE,
        }
    }

    /// Its box.
    pub fn bounds(&self) -> Bounds {
        Bounds {
            south: self.south,
            west: self.west,
            north: self.north,
            east: self.east,
        }
    }
}

/// Resolves geographies with Nominatim and lists their neighbourhoods with Overpass.
#[derive(Debug)]
pub struct GeoResolver {
    client: OsmClient,
}

impl GeoResolver {
    /// A resolver over an OpenStreetMap client.
    pub fn new(client: OsmClient) -> Self {
        Self { client }
    }

    /// The underlying client (shared with [`super::osm::OsmPlaces`]).
    pub(crate) fn client(&self) -> &OsmClient {
        &self.client
    }

    /// What `geography` covers, or `None` when Nominatim knows no such place.
    pub async fn resolve(
        &self,
        geography: &str,
        usage: &dyn UsageSink,
    ) -> Result<Option<GeoArea>, ProviderError> {
        let Some(hit) = self.client.nominatim_search(geography, usage).await? else {
            return Ok(None);
        };
        let number = |s: &str, what: &str| {
            s.trim()
                .parse::<f64>()
                .map_err(|e| ProviderError::decode("nominatim", what, e))
        };
        let [south, north, west, east] = hit.boundingbox.as_slice() else {
            return Err(ProviderError::decode(
                "nominatim",
                "boundingbox",
                "expected four values",
            ));
        };
        let country_code = hit
            .address
            .get("country_code")
            .and_then(serde_json::Value::as_str)
            .map(str::to_uppercase);
        Ok(Some(GeoArea {
            display_name: hit.display_name.clone(),
            country_code,
            south: number(south, "boundingbox south")?,
            west: number(west, "boundingbox west")?,
            north: number(north, "boundingbox north")?,
            east: number(east, "boundingbox east")?,
            lat: number(&hit.lat, "lat")?,
            lon: number(&hit.lon, "lon")?,
        }))
    }

    /// The named suburbs, neighbourhoods and quarters inside `area`, in Overpass order,
    /// each once.
    pub async fn subareas(
        &self,
        area: &GeoArea,
        usage: &dyn UsageSink,
    ) -> Result<Vec<SubArea>, ProviderError> {
        let ql = subareas_ql(&area.bounds());
        let response = self.client.overpass(&ql, "geo.subareas", usage).await?;
        let mut seen = HashSet::new();
        let subareas = response
            .elements
            .into_iter()
            .filter_map(|element| {
                let name = element.tags.get("name")?.trim().to_owned();
                if name.is_empty() || !seen.insert(name.to_lowercase()) {
                    return None;
                }
                // `out tags` may leave coordinates out (the public Overpass does): the
                // neighbourhood's name still narrows the text query, inside the whole area.
                Some(match (element.lat, element.lon, element.center) {
                    (Some(lat), Some(lon), _) => SubArea::around(name, lat, lon),
                    (_, _, Some(c)) => SubArea::around(name, c.lat, c.lon),
                    _ => SubArea {
                        name,
                        south: area.south,
                        west: area.west,
                        north: area.north,
                        east: area.east,
                    },
                })
            })
            .collect();
        Ok(subareas)
    }
}

/// The Overpass query listing neighbourhood nodes inside `bounds`.
pub fn subareas_ql(bounds: &Bounds) -> String {
    format!(
        "[out:json][timeout:25];\n(\n  node[\"place\"~\"^(suburb|neighbourhood|quarter)$\"]{};\n);\nout tags;\n",
        bbox(bounds)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subareas_query_matches_the_agreed_shape() {
        let b = Bounds {
            south: 1.5,
            west: 2.0,
            north: 3.25,
            east: 4.0,
        };
        assert_eq!(
            subareas_ql(&b),
            "[out:json][timeout:25];\n(\n  node[\"place\"~\"^(suburb|neighbourhood|quarter)$\"]\
             (1.5,2,3.25,4);\n);\nout tags;\n"
        );
    }
}

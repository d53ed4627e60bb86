//! The places the world is set in: each geography with its named neighbourhoods, their bounding
//! boxes, streets and postcodes. The areas are real; everything placed in them is invented.

/// A latitude/longitude rectangle, in decimal degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BBox {
    pub south: f64,
    pub west: f64,
    pub north: f64,
    pub east: f64,
}

impl BBox {
    pub const fn new(south: f64, west: f64, north: f64, east: f64) -> Self {
        Self {
            south,
            west,
            north,
            east,
        }
    }

    /// Whether the point lies inside (edges included).
    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        (self.south..=self.north).contains(&lat) && (self.west..=self.east).contains(&lon)
    }

    pub fn center(&self) -> (f64, f64) {
        (
            (self.south + self.north) / 2.0,
            (self.west + self.east) / 2.0,
        )
    }
}

/// A named subarea of a geography.
#[derive(Debug, PartialEq)]
pub struct Neighbourhood {
    pub name: &'static str,
    /// The OSM `place=*` value (`suburb`, `neighbourhood` or `quarter`).
    pub place_kind: &'static str,
    pub bbox: BBox,
    /// US ZIP code, or UK outward code (`"M4"`).
    pub postcode: &'static str,
    pub streets: &'static [&'static str],
    /// Id of the OSM node that names it.
    pub osm_node: u64,
}

/// A city the world covers.
#[derive(Debug, PartialEq)]
pub struct Geography {
    /// How campaigns name it (`"Austin, TX"`).
    pub name: &'static str,
    pub city: &'static str,
    /// Region as addresses abbreviate it (`"TX"`, `"England"`).
    pub region: &'static str,
    pub region_long: &'static str,
    /// Second-level area (county).
    pub county: &'static str,
    pub country: &'static str,
    /// How Google ends a formatted address (`"United States"`, `"UK"`).
    pub address_country: &'static str,
    /// ISO 3166-1 alpha-2, upper case.
    pub country_code: &'static str,
    /// Lower-case spellings a query may use for it.
    pub aliases: &'static [&'static str],
    pub bbox: BBox,
    pub neighbourhoods: &'static [Neighbourhood],
    /// OSM relation id of the city boundary.
    pub osm_relation: u64,
}

impl Geography {
    pub fn is_us(&self) -> bool {
        self.country_code == "US"
    }

    /// The neighbourhood of this name (case-insensitive).
    pub fn neighbourhood(&self, name: &str) -> Option<&'static Neighbourhood> {
        let hoods: &'static [Neighbourhood] = self.neighbourhoods;
        hoods.iter().find(|n| n.name.eq_ignore_ascii_case(name))
    }
}

const fn hood(
    name: &'static str,
    place_kind: &'static str,
    bbox: BBox,
    postcode: &'static str,
    streets: &'static [&'static str],
    osm_node: u64,
) -> Neighbourhood {
    Neighbourhood {
        name,
        place_kind,
        bbox,
        postcode,
        streets,
        osm_node,
    }
}

/// Every geography of the world.
pub static GEOGRAPHIES: [Geography; 3] = [AUSTIN, MANCHESTER, HOUSTON];

const AUSTIN: Geography = Geography {
    name: "Austin, TX",
    city: "Austin",
    region: "TX",
    region_long: "Texas",
    county: "Travis County",
    country: "United States",
    address_country: "United States",
    country_code: "US",
    aliases: &[
        "austin, tx",
        "austin, texas",
        "austin tx",
        "austin texas",
        "austin",
        "austin, tx, usa",
        "austin, texas, usa",
        "austin, tx, united states",
        "austin, texas, united states",
    ],
    bbox: BBox::new(30.098, -97.938, 30.517, -97.561),
    osm_relation: 9_900_113,
    neighbourhoods: &[
        hood(
            "Downtown",
            "quarter",
            BBox::new(30.262, -97.752, 30.280, -97.736),
            "78701",
            &[
                "Congress Ave",
                "Colorado St",
                "Lavaca St",
                "W 5th St",
                "E 6th St",
            ],
            9_900_201,
        ),
        hood(
            "East Austin",
            "neighbourhood",
            BBox::new(30.255, -97.734, 30.280, -97.705),
            "78702",
            &["E 7th St", "E Cesar Chavez St", "Manor Rd", "E 11th St"],
            9_900_202,
        ),
        hood(
            "South Congress",
            "neighbourhood",
            BBox::new(30.236, -97.758, 30.258, -97.740),
            "78704",
            &["S Congress Ave", "S 1st St", "W Oltorf St", "W Mary St"],
            9_900_203,
        ),
        hood(
            "Zilker",
            "neighbourhood",
            BBox::new(30.255, -97.785, 30.272, -97.762),
            "78704",
            &["Barton Springs Rd", "S Lamar Blvd", "Kinney Ave"],
            9_900_204,
        ),
        hood(
            "Clarksville",
            "neighbourhood",
            BBox::new(30.281, -97.765, 30.295, -97.750),
            "78703",
            &["W Lynn St", "Waterston Ave", "W 6th St", "Winflo Dr"],
            9_900_205,
        ),
        hood(
            "Hyde Park",
            "suburb",
            BBox::new(30.300, -97.735, 30.317, -97.720),
            "78751",
            &["Duval St", "Speedway", "Avenue D", "E 43rd St"],
            9_900_206,
        ),
        hood(
            "North Loop",
            "neighbourhood",
            BBox::new(30.319, -97.728, 30.332, -97.712),
            "78751",
            &["E North Loop Blvd", "Avenue F", "Airport Blvd"],
            9_900_207,
        ),
        hood(
            "Mueller",
            "suburb",
            BBox::new(30.290, -97.712, 30.310, -97.695),
            "78723",
            &["Aldrich St", "Berkman Dr", "Philomena St", "Simond Ave"],
            9_900_208,
        ),
    ],
};

const MANCHESTER: Geography = Geography {
    name: "Manchester, UK",
    city: "Manchester",
    region: "England",
    region_long: "England",
    county: "Greater Manchester",
    country: "United Kingdom",
    address_country: "UK",
    country_code: "GB",
    aliases: &[
        "manchester, uk",
        "manchester, england",
        "manchester uk",
        "manchester england",
        "manchester",
        "manchester, united kingdom",
        "manchester, gb",
        "greater manchester",
        "manchester, england, uk",
        "manchester, greater manchester",
    ],
    bbox: BBox::new(53.340, -2.320, 53.545, -2.146),
    osm_relation: 9_900_146,
    neighbourhoods: &[
        hood(
            "Northern Quarter",
            "quarter",
            BBox::new(53.481, -2.240, 53.487, -2.230),
            "M4",
            &["Oldham St", "Thomas St", "Tib St", "High St"],
            9_900_301,
        ),
        hood(
            "Ancoats",
            "neighbourhood",
            BBox::new(53.483, -2.229, 53.490, -2.218),
            "M4",
            &["Blossom St", "Great Ancoats St", "Redhill St", "Jersey St"],
            9_900_302,
        ),
        hood(
            "Spinningfields",
            "quarter",
            BBox::new(53.478, -2.258, 53.484, -2.248),
            "M3",
            &["Deansgate", "Hardman St", "Quay St"],
            9_900_303,
        ),
        hood(
            "Castlefield",
            "neighbourhood",
            BBox::new(53.472, -2.262, 53.477, -2.250),
            "M3",
            &["Liverpool Rd", "Castle St", "Potato Wharf"],
            9_900_304,
        ),
        hood(
            "Chorlton",
            "suburb",
            BBox::new(53.435, -2.290, 53.450, -2.265),
            "M21",
            &[
                "Beech Rd",
                "Barlow Moor Rd",
                "Wilbraham Rd",
                "Manchester Rd",
            ],
            9_900_305,
        ),
        hood(
            "Didsbury",
            "suburb",
            BBox::new(53.405, -2.240, 53.425, -2.215),
            "M20",
            &["Wilmslow Rd", "School Ln", "Barlow Moor Rd"],
            9_900_306,
        ),
        hood(
            "Withington",
            "suburb",
            BBox::new(53.428, -2.240, 53.440, -2.222),
            "M20",
            &["Burton Rd", "Copson St", "Palatine Rd"],
            9_900_307,
        ),
        hood(
            "Levenshulme",
            "suburb",
            BBox::new(53.435, -2.200, 53.450, -2.180),
            "M19",
            &["Stockport Rd", "Chapel St", "Albert Rd"],
            9_900_308,
        ),
    ],
};

/// The geography a campaign names, by its canonical name.
pub fn geography(name: &str) -> Option<&'static Geography> {
    GEOGRAPHIES.iter().find(|g| g.name == name)
}

/// Houston: a metro with many neighbourhoods, so a campaign of a thousand leads finds them
/// (every query of the places providers stops at 60 results; the neighbourhoods split it).
const HOUSTON: Geography = Geography {
    name: "Houston, TX",
    city: "Houston",
    region: "TX",
    region_long: "Texas",
    county: "Harris County",
    country: "United States",
    address_country: "United States",
    country_code: "US",
    aliases: &[
        "houston, tx",
        "houston, texas",
        "houston tx",
        "houston texas",
        "houston",
        "houston, tx, usa",
        "houston, texas, usa",
        "houston, tx, united states",
        "houston, texas, united states",
    ],
    bbox: BBox::new(29.523, -95.788, 30.111, -95.014),
    osm_relation: 9_900_114,
    neighbourhoods: &[
        hood(
            "Downtown",
            "quarter",
            BBox::new(29.600, -95.650, 29.670, -95.599),
            "77002",
            &["Main St", "Travis St", "Louisiana St"],
            9_900_301,
        ),
        hood(
            "Midtown",
            "neighbourhood",
            BBox::new(29.600, -95.586, 29.670, -95.534),
            "77002",
            &["Bagby St", "Elgin St", "Gray St"],
            9_900_302,
        ),
        hood(
            "Montrose",
            "neighbourhood",
            BBox::new(29.600, -95.521, 29.670, -95.470),
            "77006",
            &["Westheimer Rd", "Montrose Blvd", "Fairview St"],
            9_900_303,
        ),
        hood(
            "The Heights",
            "suburb",
            BBox::new(29.600, -95.457, 29.670, -95.406),
            "77008",
            &["Heights Blvd", "W 19th St", "Yale St"],
            9_900_304,
        ),
        hood(
            "EaDo",
            "neighbourhood",
            BBox::new(29.600, -95.393, 29.670, -95.341),
            "77003",
            &["St Emanuel St", "Navigation Blvd", "Polk St"],
            9_900_305,
        ),
        hood(
            "Third Ward",
            "neighbourhood",
            BBox::new(29.600, -95.329, 29.670, -95.277),
            "77004",
            &["Emancipation Ave", "Holman St", "Alabama St"],
            9_900_306,
        ),
        hood(
            "Fifth Ward",
            "neighbourhood",
            BBox::new(29.600, -95.264, 29.670, -95.213),
            "77020",
            &["Lyons Ave", "Jensen Dr", "Lockwood Dr"],
            9_900_307,
        ),
        hood(
            "River Oaks",
            "suburb",
            BBox::new(29.688, -95.650, 29.758, -95.599),
            "77019",
            &["River Oaks Blvd", "Kirby Dr", "Inwood Dr"],
            9_900_308,
        ),
        hood(
            "Upper Kirby",
            "neighbourhood",
            BBox::new(29.688, -95.586, 29.758, -95.534),
            "77098",
            &["Kirby Dr", "Richmond Ave", "Westheimer Rd"],
            9_900_309,
        ),
        hood(
            "Rice Village",
            "neighbourhood",
            BBox::new(29.688, -95.521, 29.758, -95.470),
            "77005",
            &["University Blvd", "Morningside Dr", "Rice Blvd"],
            9_900_310,
        ),
        hood(
            "West University",
            "suburb",
            BBox::new(29.688, -95.457, 29.758, -95.406),
            "77005",
            &["Bellaire Blvd", "Buffalo Speedway", "Edloe St"],
            9_900_311,
        ),
        hood(
            "Bellaire",
            "suburb",
            BBox::new(29.688, -95.393, 29.758, -95.341),
            "77401",
            &["Bissonnet St", "Bellaire Blvd", "Rice Ave"],
            9_900_312,
        ),
        hood(
            "Meyerland",
            "suburb",
            BBox::new(29.688, -95.329, 29.758, -95.277),
            "77096",
            &["Braeswood Blvd", "Chimney Rock Rd", "Beechnut St"],
            9_900_313,
        ),
        hood(
            "Galleria",
            "quarter",
            BBox::new(29.688, -95.264, 29.758, -95.213),
            "77056",
            &["Post Oak Blvd", "San Felipe St", "Westheimer Rd"],
            9_900_314,
        ),
        hood(
            "Memorial",
            "suburb",
            BBox::new(29.775, -95.650, 29.845, -95.599),
            "77024",
            &["Memorial Dr", "Voss Rd", "Bunker Hill Rd"],
            9_900_315,
        ),
        hood(
            "Spring Branch",
            "suburb",
            BBox::new(29.775, -95.586, 29.845, -95.534),
            "77055",
            &["Long Point Rd", "Campbell Rd", "Hammerly Blvd"],
            9_900_316,
        ),
        hood(
            "Garden Oaks",
            "neighbourhood",
            BBox::new(29.775, -95.521, 29.845, -95.470),
            "77018",
            &["W 34th St", "N Shepherd Dr", "Alba Rd"],
            9_900_317,
        ),
        hood(
            "Oak Forest",
            "neighbourhood",
            BBox::new(29.775, -95.457, 29.845, -95.406),
            "77092",
            &["W 43rd St", "Ella Blvd", "Mangum Rd"],
            9_900_318,
        ),
        hood(
            "Timbergrove",
            "neighbourhood",
            BBox::new(29.775, -95.393, 29.845, -95.341),
            "77008",
            &["TC Jester Blvd", "W 11th St", "Lamonte Ln"],
            9_900_319,
        ),
        hood(
            "Museum District",
            "quarter",
            BBox::new(29.775, -95.329, 29.845, -95.277),
            "77004",
            &["Binz St", "Caroline St", "Montrose Blvd"],
            9_900_320,
        ),
        hood(
            "Medical Center",
            "quarter",
            BBox::new(29.775, -95.264, 29.845, -95.213),
            "77030",
            &["Fannin St", "Holcombe Blvd", "Greenbriar Dr"],
            9_900_321,
        ),
        hood(
            "Braeswood",
            "neighbourhood",
            BBox::new(29.863, -95.650, 29.933, -95.599),
            "77025",
            &["N Braeswood Blvd", "Stella Link Rd", "Kirby Dr"],
            9_900_322,
        ),
        hood(
            "Gulfton",
            "neighbourhood",
            BBox::new(29.863, -95.586, 29.933, -95.534),
            "77081",
            &["Hillcroft Ave", "Bellaire Blvd", "Renwick Dr"],
            9_900_323,
        ),
        hood(
            "Sharpstown",
            "suburb",
            BBox::new(29.863, -95.521, 29.933, -95.470),
            "77036",
            &["Bellaire Blvd", "Fondren Rd", "Gessner Rd"],
            9_900_324,
        ),
        hood(
            "Westchase",
            "suburb",
            BBox::new(29.863, -95.457, 29.933, -95.406),
            "77042",
            &["Westheimer Rd", "Briar Forest Dr", "Wilcrest Dr"],
            9_900_325,
        ),
        hood(
            "Energy Corridor",
            "quarter",
            BBox::new(29.863, -95.393, 29.933, -95.341),
            "77079",
            &["Eldridge Pkwy", "Katy Fwy", "Dairy Ashford Rd"],
            9_900_326,
        ),
        hood(
            "Northside",
            "neighbourhood",
            BBox::new(29.863, -95.329, 29.933, -95.277),
            "77009",
            &["Irvington Blvd", "Fulton St", "N Main St"],
            9_900_327,
        ),
        hood(
            "East End",
            "neighbourhood",
            BBox::new(29.863, -95.264, 29.933, -95.213),
            "77011",
            &["Harrisburg Blvd", "Navigation Blvd", "Telephone Rd"],
            9_900_328,
        ),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbourhoods_lie_inside_their_geography_and_do_not_overlap() {
        for g in &GEOGRAPHIES {
            // Houston is the big metro: enough neighbourhoods for a thousand leads.
            let expected = if g.city == "Houston" { 25..=40 } else { 6..=10 };
            assert!(expected.contains(&g.neighbourhoods.len()), "{}", g.name);
            for (i, a) in g.neighbourhoods.iter().enumerate() {
                let (lat, lon) = a.bbox.center();
                assert!(g.bbox.contains(lat, lon), "{} outside {}", a.name, g.name);
                for b in &g.neighbourhoods[i + 1..] {
                    let disjoint = a.bbox.north < b.bbox.south
                        || b.bbox.north < a.bbox.south
                        || a.bbox.east < b.bbox.west
                        || b.bbox.east < a.bbox.west;
                    assert!(disjoint, "{} overlaps {}", a.name, b.name);
                }
            }
        }
    }
}

package render

import (
	"time"

	"syndicate/internal/item"
)

// The fixture is a small Middle East section that exercises every field
// the feeds carry: two authors with and without email, an image with and
// without a length, an aggregated item whose guid is a bare number,
// non-ASCII text, the five XML-special characters and "]]>" in content.

func fixtureSite() Site {
	return Site{
		Title:        "The Dispatch",
		BaseURL:      "https://news.example",
		Language:     "en",
		TTL:          5 * time.Minute,
		TagAuthority: "news.example",
		TagDate:      "2026-01-01",
	}
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func fixtureSection() Section {
	return Section{
		Slug:        "middle-east",
		Title:       "Middle East",
		Description: "Reporting and analysis from the Middle East & North Africa",
		Items:       fixtureItems(),
	}
}

func fixtureItems() []*item.Item {
	return []*item.Item{
		{
			ID:      "tag:news.example,2026-01-01:article/gulf-shipping-insurance",
			URL:     "https://news.example/articles/gulf-shipping-insurance/",
			Title:   `Insurers price in the Strait: "war risk" isn't cheap`,
			Summary: `Premiums for tankers crossing Hormuz rose 5 < 7 > 3 & then some — مضيق هرمز.`,
			ContentHTML: `<p>Underwriters in London quote the clause <code>cover[zone[3]]>limit</code> verbatim.</p>` +
				`<p>“It is the price of doing business,” said one broker. <a href="https://news.example/articles/hormuz-explainer/">Read the explainer</a>.</p>`,
			Authors: []item.Person{
				{Name: "Leïla Haddad", Email: "leila.haddad@news.example", URL: "https://news.example/authors/leila-haddad/"},
				{Name: "Tomás Ortega"},
			},
			Sections: []string{"middle-east", "analysis"},
			Tags:     []string{"shipping", "iran", "insurance", "oil"},
			Image: &item.Image{
				URL:     "https://news.example/media/gulf-tanker.jpg",
				Caption: "A tanker off Fujairah at dawn",
				Credit:  "Photo: Amal Nasser for The Dispatch",
				Type:    "image/jpeg",
				Length:  184320,
			},
			Published: mustTime("2026-10-14T09:30:00Z"),
			Updated:   mustTime("2026-10-15T12:00:00Z"),
		},
		{
			ID:       "48213",
			URL:      "https://wire.example.org/story/48213",
			Title:    "Port of Aqaba reopens berths after inspection",
			Summary:  "Jordan's main port resumed container traffic on Tuesday.",
			Authors:  []item.Person{{Name: "Wire staff"}},
			Sections: []string{"middle-east"},
			Tags:     []string{"shipping", "jordan"},
			ContentHTML: `<p>Jordan's main port resumed container traffic on Tuesday, ` +
				`officials said.</p>`,
			Published: mustTime("2026-10-13T16:05:00Z"),
			Updated:   mustTime("2026-10-13T16:05:00Z"),
			Origin: &item.Origin{
				SourceID: "gulfwire",
				FeedID:   "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66",
				Title:    "Gulf Wire: Shipping",
				FeedURL:  "https://wire.example.org/feeds/shipping.xml",
				HomeURL:  "https://wire.example.org/",
			},
		},
		{
			ID:      "tag:news.example,2026-01-01:article/beirut-grid",
			URL:     "https://news.example/articles/beirut-grid/",
			Title:   "Beirut’s grid runs on diesel and patience",
			Summary: "Private generators fill the gaps the state leaves, at a price.",
			ContentHTML: `<figure><img src="https://news.example/media/beirut-grid.png" alt="Cables over a Beirut street"></figure>` +
				`<p>Neighbourhood generator owners — “the other electricity company” — set tariffs of 40¢ per kWh.</p>`,
			Authors:  []item.Person{{Email: "desk@news.example"}},
			Sections: []string{"middle-east"},
			Tags:     []string{"lebanon", "energy"},
			Image: &item.Image{
				URL:     "https://news.example/media/beirut-grid.png",
				Caption: "Cables over a Beirut street",
				Credit:  "Photo: Rami Khoury",
			},
			Published: mustTime("2026-10-12T07:00:00Z"),
			Updated:   mustTime("2026-10-12T08:15:00Z"),
		},
		{
			// An aggregated item whose guid is its own URL: the permalink case.
			ID:          "https://analysis.example.net/2026/10/11/red-sea-escorts",
			URL:         "https://analysis.example.net/2026/10/11/red-sea-escorts",
			Title:       "Red Sea escorts, by the numbers 🚢",
			Summary:     "Who sails with whom, and who pays for it.",
			Authors:     []item.Person{{Name: "Ana Pereira", URL: "https://analysis.example.net/people/ana"}, {Name: "Kenji Watanabe", Email: "kenji@analysis.example.net"}},
			Sections:    []string{"middle-east", "analysis"},
			Tags:        []string{"red-sea", "navies"},
			ContentHTML: `<p>Escort convoys grew from 3 to 11 a week; <em>insurers</em> noticed.</p>`,
			Published:   mustTime("2026-10-11T18:45:00Z"),
			Updated:     mustTime("2026-10-11T19:00:00Z"),
			Origin: &item.Origin{
				SourceID: "straits",
				Title:    "Straits Analysis",
				FeedURL:  "https://analysis.example.net/feed.atom",
			},
		},
	}
}

package slug

import (
	"net/url"
	"strings"
	"testing"
)

func TestMake(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"Iran", "iran"},
		{"Shipping", "shipping"},
		{"Lee Jae-myung", "lee-jae-myung"},
		{"  Red   Sea -- security ", "red-sea-security"},
		{"U.S.-China trade", "u-s-china-trade"},
		{"Mirosław Łęcki", "miroslaw-lecki"},
		{"Søren Ærø", "soren-aero"},
		{"Straße", "strasse"},
		{"Rania Khoury (رانيا خوري)", "rania-khoury"},
		{"رانيا خوري", "رانيا-خوري"},
		{"이재명", "이재명"},
		{"G20", "g20"},
		{"２０２６ ｅｌｅｃｔｉｏｎ", "2026-election"},
		{"!!!", "u21-u21-u21"},
		{"💥", "u1f4a5"},
		{" ? ! ", "u3f-u21"},
		{"   ", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Make(tc.name)
			if got != tc.want {
				t.Fatalf("Make(%q) = %q, want %q", tc.name, got, tc.want)
			}
			if got == "" && strings.TrimSpace(tc.name) != "" {
				t.Errorf("Make(%q) is empty: only a blank name may have no slug", tc.name)
			}
			if got != "" && Make(got) != got {
				t.Errorf("Make is not stable on its own output: Make(%q) = %q", got, Make(got))
			}
			if got != "" {
				if p := url.PathEscape(got); p == "" {
					t.Errorf("slug %q escapes to nothing", got)
				}
			}
		})
	}
}

func TestValid(t *testing.T) {
	for s, want := range map[string]bool{"iran": true, "lee-jae-myung": true, "Iran": false, "-iran": false, "iran-": false, "": false, "رانيا-خوري": true} {
		if got := Valid(s); got != want {
			t.Errorf("Valid(%q) = %v, want %v", s, got, want)
		}
	}
}

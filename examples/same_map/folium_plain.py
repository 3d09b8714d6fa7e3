"""The same map in plain folium: colours, legend and title written by hand."""
import branca
import folium

import borderkit as bk

places = bk.places()
border = bk.border("AFG-TJK")
kinds = sorted(places["kind"].unique())
palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]
colour = {k: palette[i % len(palette)] for i, k in enumerate(kinds)}
m = folium.Map(tiles=None)
for _, row in places.iterrows():
    folium.CircleMarker(
        [row.geometry.y, row.geometry.x], radius=6, color="#333", weight=1,
        fill=True, fill_color=colour[row["kind"]], fill_opacity=1, tooltip=row["name"],
    ).add_to(m)
folium.GeoJson(border, style_function=lambda f: {"color": "#795548", "weight": 3}).add_to(m)
items = "".join(
    f'<div><span style="background:{c};width:10px;height:10px;display:inline-block">'
    f"</span> {k}</div>" for k, c in colour.items()
)
legend = f'<div style="position:fixed;top:10px;right:10px;background:white">{items}</div>'
m.get_root().html.add_child(branca.element.Element(legend))
m.get_root().html.add_child(branca.element.Element("<h3>Places by kind</h3>"))
minx, miny, maxx, maxy = places.total_bounds
m.fit_bounds([[miny, minx], [maxy, maxx]])
m.save("same_map_folium.html")

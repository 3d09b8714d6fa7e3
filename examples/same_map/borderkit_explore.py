"""The shipped places coloured by kind, with the Afghan border, as an offline page."""
import borderkit as bk

m = bk.explore(bk.places(), column="kind", title="Places by kind")
m.add(bk.border("AFG-TJK")).save("same_map_borderkit.html")

"""The same map with geopandas' explore(): legend from the column, border on top."""
import borderkit as bk

places = bk.places()
m = places.explore(column="kind", categorical=True, tiles=None, legend=True)
bk.border("AFG-TJK").explore(m=m, color="#795548")
m.get_root().html.add_child(__import__("folium").Element("<h3>Places by kind</h3>"))
m.save("same_map_geopandas.html")

"""Districts of streets sharing one set of district departments, pilots, and city runs.

* :func:`load_district` - a scenario file with a ``[district]`` table, validated;
* :func:`run_district` - one replication: indicators per street, for the district and for
  pilot and non-pilot streets, the departments' view;
* :func:`run_city` - many districts as independent jobs on the experiment executors.
"""

from sim.district.city import CityResult, run_city
from sim.district.runner import DistrictResult, build_district_model, run_district, write_district
from sim.district.spec import District, is_district_file, load_district

__all__ = ["CityResult", "District", "DistrictResult", "build_district_model", "is_district_file",
           "load_district", "run_city", "run_district", "write_district"]

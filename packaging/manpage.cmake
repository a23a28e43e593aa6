# Writes a program's manual page from its own help, so that the page cannot fall behind the options: help2man
# turns `PROGRAM --help` into the page and, for accession-cli, each `accession-cli COMMAND --help` becomes a
# subsection of COMMANDS. Run by the build: cmake -DCLI=program -DVERSION=x.y.z -DHELP2MAN=... -DGZIP=... -DOUTPUT=x.1.gz -P manpage.cmake
foreach(variable CLI VERSION HELP2MAN GZIP OUTPUT)
    if(NOT ${variable})
        message(FATAL_ERROR "manpage.cmake: -D${variable}=... is required")
    endif()
endforeach()

execute_process(COMMAND "${CLI}" --help OUTPUT_VARIABLE usage RESULT_VARIABLE status)
if(NOT status EQUAL 0)
    message(FATAL_ERROR "manpage.cmake: '${CLI} --help' failed (${status})")
endif()
# The command list of accession-cli: "  name  summary" lines after "Commands:" (the GUI has none).
set(commands)
string(FIND "${usage}" "Commands:\n" commandsAt)
if(commandsAt GREATER_EQUAL 0)
    string(SUBSTRING "${usage}" ${commandsAt} -1 commandList)
    string(REGEX MATCHALL "\n  [a-z][a-z-]*  " commandLines "${commandList}")
    foreach(line IN LISTS commandLines)
        string(STRIP "${line}" name)
        list(APPEND commands "${name}")
    endforeach()
    string(REGEX MATCHALL "\n  [a-z]" listedLines "${commandList}")
    list(LENGTH commands commandCount)
    list(LENGTH listedLines listedCount)
    if(NOT commandCount EQUAL listedCount)
        message(FATAL_ERROR "manpage.cmake: ${listedCount} commands listed by '${CLI} --help', but only ${commandCount} "
                            "with two spaces between the name and its summary")
    endif()
endif()

# roff: a backslash is \e, a line may not begin with . or ', and an option's dash is a minus sign (\-).
function(to_roff text result)
    string(REPLACE "\\" "\\e" text "${text}")
    string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
    string(REGEX REPLACE "(^|[ [|(,])--([a-z])" "\\1\\\\-\\\\-\\2" text "${text}")
    string(REGEX REPLACE "(^|[ [|(,])-([a-z])([ ,])" "\\1\\\\-\\2\\3" text "${text}")
    set(${result} "${text}" PARENT_SCOPE)
endfunction()

get_filename_component(program "${CLI}" NAME)
set(include "")
if(commands)
    string(APPEND include "[COMMANDS]\nEach command takes its own options; \\fB${program}\\fR \\fICOMMAND\\fR \\fB\\-\\-help\\fR prints them.\n")
    foreach(command IN LISTS commands)
        execute_process(COMMAND "${CLI}" "${command}" --help OUTPUT_VARIABLE help RESULT_VARIABLE status)
        if(NOT status EQUAL 0)
            message(FATAL_ERROR "manpage.cmake: '${CLI} ${command} --help' failed (${status})")
        endif()
        string(REGEX REPLACE "\n+$" "" help "${help}")
        to_roff("${help}" help)
        string(APPEND include ".SS ${command}\n.nf\n${help}\n.fi\n")
    endforeach()
endif()
string(APPEND include "[FILES]\nA catalog is one SQLite file, named \\fI*.accession\\fR (catalogs made before that: \\fI*.db\\fR);\n"
                      "any other name works as well.\n")
if(program STREQUAL "accession-cli")
    string(APPEND include "[SEE ALSO]\n\\fBaccession\\fR(1), the desktop application over the same catalogs.\n")
else()
    string(APPEND include "[SEE ALSO]\n\\fBaccession\\-cli\\fR(1), every step from the command line.\n")
endif()

if(program STREQUAL "accession-cli")
    set(name "sort photographs of incoming works into museum departments, from the command line")
else()
    set(name "sort photographs of incoming works into museum departments")
endif()
string(REGEX REPLACE "\\.gz$" "" page "${OUTPUT}")
file(WRITE "${page}.include" "${include}")
# --version-string: the page is named after the executable (the GUI's --version says "Accession").
execute_process(COMMAND "${HELP2MAN}" --no-info --section=1 --source=Accession "--version-string=${VERSION}"
                        "--name=${name}"
                        "--include=${page}.include" "--output=${page}" "${CLI}"
                RESULT_VARIABLE status ERROR_VARIABLE errors)
if(NOT status EQUAL 0)
    message(FATAL_ERROR "manpage.cmake: help2man failed on ${CLI}: ${errors}")
endif()
# Debian compresses manual pages; -n leaves the name and time out, so the file is the same on every build.
execute_process(COMMAND "${GZIP}" -9 -n -f "${page}" RESULT_VARIABLE status)
if(NOT status EQUAL 0)
    message(FATAL_ERROR "manpage.cmake: ${GZIP} failed on ${page}")
endif()
